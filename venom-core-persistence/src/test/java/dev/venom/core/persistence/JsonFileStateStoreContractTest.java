package dev.venom.core.persistence;

import dev.venom.core.engine.SettableClock;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StateStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class JsonFileStateStoreContractTest extends StateStoreContract {

    @TempDir
    Path dir;

    @Override
    protected StateStore openStore(SettableClock clock) {
        return JsonFileStateStore.builder(dir.resolve("state_dump.json")).clock(clock).open();
    }
}
