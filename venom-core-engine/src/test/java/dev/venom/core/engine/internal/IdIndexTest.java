package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdIndexTest {

    @Test
    void behavesLikeAHashMapUnderRandomPutsAndRemoves() {
        Random random = new Random(42);
        IdIndex<Integer> index = new IdIndex<>();
        Map<UUID, Integer> model = new HashMap<>();
        List<UUID> ids = new ArrayList<>();
        for (int step = 0; step < 200_000; step++) {
            int op = random.nextInt(10);
            if (op < 6 || ids.isEmpty()) {
                UUID id = random.nextInt(4) == 0
                        ? new UUID(random.nextInt(50), random.nextInt(50))
                        : new UUID(random.nextLong(), random.nextLong());
                Integer before = index.putIfAbsent(id, step);
                assertThat(before).isEqualTo(model.get(id));
                model.putIfAbsent(id, step);
                ids.add(id);
            } else if (op < 8) {
                UUID id = ids.get(random.nextInt(ids.size()));
                assertThat(index.remove(id)).isEqualTo(model.remove(id));
            } else {
                UUID id = ids.get(random.nextInt(ids.size()));
                assertThat(index.get(id)).isEqualTo(model.get(id));
            }
            assertThat(index.size()).isEqualTo(model.size());
        }
        model.forEach((id, value) -> assertThat(index.get(id)).isEqualTo(value));
    }
}
