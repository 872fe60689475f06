package dev.venom.core.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A remote worker as this server has seen it.
 *
 * @param workerId  its id
 * @param labels    the labels of its last claim
 * @param queues    the queues of its last claim
 * @param lastSeen  its last call to this server
 * @param inFlight  the tasks it holds now (from the store: over every server)
 * @param completed attempts it completed through this server
 * @param failed    attempts it failed through this server
 */
public record WorkerInfo(String workerId, Map<String, String> labels, List<String> queues, Instant lastSeen,
                         int inFlight, long completed, long failed) {
}
