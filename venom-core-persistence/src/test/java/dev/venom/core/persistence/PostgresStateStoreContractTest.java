package dev.venom.core.persistence;

import dev.venom.core.engine.SettableClock;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StateStoreContract;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;

/** The shared store semantics, held by the PostgreSQL store against a real database. */
class PostgresStateStoreContractTest extends StateStoreContract {

    private String schema;

    @Override
    protected StateStore openStore(SettableClock clock) {
        PostgresTestDatabase.require();
        schema = PostgresTestDatabase.newSchema();
        Instant start = clock.instant();
        return PostgresStateStore.builder(PostgresTestDatabase.URL).schema(schema)
                .clockShift(() -> Duration.between(start, clock.instant())).open();
    }

    @AfterEach
    void dropSchema() {
        if (schema != null) {
            PostgresTestDatabase.drop(schema);
        }
    }
}
