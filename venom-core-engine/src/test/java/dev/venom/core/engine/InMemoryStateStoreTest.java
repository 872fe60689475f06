package dev.venom.core.engine;

class InMemoryStateStoreTest extends StateStoreContract {

    @Override
    protected StateStore openStore(SettableClock clock) {
        return new InMemoryStateStore(clock, ChangeLog.NONE);
    }
}
