package dev.venom.core.engine;

/** The volatile store passes the shared contract. */
class InMemoryStateStoreTest extends StateStoreContract {

    @Override
    protected StateStore openStore(SettableClock clock) {
        return new InMemoryStateStore(clock);
    }
}
