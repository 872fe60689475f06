package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReadyQueueTest {

    @Test
    void ordersByPriorityHighestFirstThenBySequence() {
        ReadyQueue<String> queue = new ReadyQueue<>();
        queue.put(0, 1, "low-1");
        queue.put(9, 2, "urgent-2");
        queue.put(5, 3, "mid-3");
        queue.put(9, 4, "urgent-4");
        queue.put(0, 5, "low-5");

        assertThat(queue).containsExactly("urgent-2", "urgent-4", "mid-3", "low-1", "low-5");
        assertThat(queue.first(9)).isEqualTo("urgent-2");
        assertThat(queue.first(7)).isNull();
        assertThat(queue.size()).isEqualTo(5);
    }

    @Test
    void aTaskBackOutOfOrderTakesItsPlaceByCreation() {
        ReadyQueue<String> queue = new ReadyQueue<>();
        for (long seq = 1; seq <= 5; seq++) {
            queue.put(0, seq, "t" + seq);
        }
        queue.remove(0, 1);
        queue.remove(0, 3);

        queue.put(0, 3, "t3 again"); // a claim put back: its slot is still there
        queue.put(0, 1, "t1 again"); // before the head now: kept aside, still first
        queue.put(0, 0, "t0");

        assertThat(queue).containsExactly("t0", "t1 again", "t2", "t3 again", "t4", "t5");
        assertThat(queue.first(0)).isEqualTo("t0");
    }

    @Test
    void emptiedQueueStartsAgainAndNeverHoldsASequenceTwice() {
        ReadyQueue<String> queue = new ReadyQueue<>();
        queue.put(0, 10, "t10");
        queue.put(0, 5, "t5"); // out of order
        queue.remove(0, 10);   // the appended part is now empty

        queue.put(0, 5, "t5 replaced");
        queue.put(0, 7, "t7");

        assertThat(queue).containsExactly("t5 replaced", "t7");
        assertThat(queue.size()).isEqualTo(2);
        assertThat(queue.remove(0, 5)).isTrue();
        assertThat(queue.remove(0, 5)).isFalse();
        assertThat(queue).containsExactly("t7");
    }

    @Test
    void aBacklogRunDownToNothingQueuesInOrderAgain() {
        ReadyQueue<Long> queue = new ReadyQueue<>();
        for (long seq = 0; seq < 5_000; seq++) {
            queue.put(0, seq, seq);
        }
        queue.put(0, 2_500, 2_500L); // replaced in place
        for (long seq = 0; seq < 5_000; seq++) {
            assertThat(queue.first(0)).isEqualTo(seq);
            assertThat(queue.remove(0, seq)).isTrue();
        }
        assertThat(queue).isEmpty();

        queue.put(0, 6_000, 6_000L);
        queue.put(0, 5_500, 5_500L);
        queue.put(0, 7_000, 7_000L);

        assertThat(queue).containsExactly(5_500L, 6_000L, 7_000L);
        assertThat(queue.size()).isEqualTo(3);
    }

    @Test
    void refusesAPriorityOutOfRange() {
        ReadyQueue<String> queue = new ReadyQueue<>();

        assertThatThrownBy(() -> queue.put(10, 1, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("priority must be 0..9, was 10");
    }

    @Test
    void behavesLikeASortedMapUnderRandomUse() {
        Random random = new Random(7);
        ReadyQueue<Long> queue = new ReadyQueue<>();
        TreeMap<Long, Long> model = new TreeMap<>(); // key: (9 - priority) << 56 | seq
        List<Long> known = new ArrayList<>();
        List<Integer> priorities = new ArrayList<>(); // by seq
        for (int step = 0; step < 200_000; step++) {
            int op = random.nextInt(20);
            if (op < 8 || known.isEmpty()) {
                long seq = known.size(); // a new task: in order
                known.add(seq);
                priorities.add(random.nextInt(3) == 0 ? random.nextInt(10) : 0);
                put(queue, model, priorities, seq);
            } else if (op < 10) {
                put(queue, model, priorities, known.get(random.nextInt(known.size()))); // back, or replaced
            } else if (op < 19) {
                // a claim takes from the front; a cancel from anywhere
                long seq = op < 17 && !model.isEmpty() ? model.firstEntry().getValue()
                        : known.get(random.nextInt(known.size()));
                int priority = priorities.get((int) seq);
                boolean present = model.remove(key(priority, seq)) != null;
                assertThat(queue.remove(priority, seq)).isEqualTo(present);
            } else if (step % 100 == 0) {
                assertThat(queue).containsExactlyElementsOf(model.values());
                for (int priority = 0; priority <= 9; priority++) {
                    Map.Entry<Long, Long> first = model.ceilingEntry(key(priority, 0));
                    Long expected = first != null && first.getKey() < key(priority, 0) + (1L << 56)
                            ? first.getValue() : null;
                    assertThat(queue.first(priority)).isEqualTo(expected);
                }
            }
            assertThat(queue.size()).isEqualTo(model.size());
        }
        assertThat(queue).containsExactlyElementsOf(model.values());
    }

    private static void put(ReadyQueue<Long> queue, TreeMap<Long, Long> model, List<Integer> priorities, long seq) {
        int priority = priorities.get((int) seq);
        queue.put(priority, seq, seq);
        model.put(key(priority, seq), seq);
    }

    private static long key(int priority, long seq) {
        return ((long) (9 - priority) << 56) | seq;
    }
}
