package dev.venom.core.persistence;

import dev.venom.core.engine.SettableClock;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StateStoreContract;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;

/** The shared store semantics, held by the PostgreSQL store against a real database. */
class PostgresStateStoreContractTest extends StateStoreContract {

    private String schema;

    @Override
    protected StateStore openStore(SettableClock clock) {
        PostgresTestDatabase.require();
        schema = PostgresTestDatabase.newSchema();
        Instant[] start = new Instant[1];
        PostgresStateStore store = PostgresStateStore.builder(PostgresTestDatabase.URL).schema(schema)
                .clockShift(() -> Duration.between(start[0], clock.instant())).open();
        // Opening takes a while on a busy machine: the test's clock starts now, level with the database's.
        clock.set(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        start[0] = clock.instant();
        return store;
    }

    @AfterEach
    void dropSchema() {
        if (schema != null) {
            PostgresTestDatabase.drop(schema);
        }
    }
}
