package dev.venom.core.engine.internal;

import dev.venom.core.engine.QueueState;
import dev.venom.core.model.TaskRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/**
 * This server's {@link Lane}s, one per named queue: those configured with their concurrency, and every other
 * queue on first use (a task submitted here, or one the store knows) with the default concurrency. Also the
 * pause state as last read from the store. Thread-safe.
 */
public final class Lanes {

    private final Map<String, Integer> limits;
    private final Set<String> remote;
    private final int defaultLimit;
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private volatile boolean allPaused;
    private final IntConsumer grown;
    private final RecentMean claimRoundTrip = new RecentMean();

    /**
     * @param limits       the concurrency of named queues on this server
     * @param defaultLimit the concurrency of any other queue
     */
    public Lanes(Map<String, Integer> limits, int defaultLimit) {
        this(limits, Set.of(), defaultLimit, slots -> { });
    }

    /**
     * @param grown told the slots of each lane made, the configured ones included: what runs the attempts
     *              grows with them, so a queue's slots never wait for another queue's threads
     */
    public Lanes(Map<String, Integer> limits, Set<String> remote, int defaultLimit, IntConsumer grown) {
        if (defaultLimit < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, was " + defaultLimit);
        }
        limits.forEach((queue, limit) -> {
            TaskRequest.checkQueue(queue);
            if (limit < 1) {
                throw new IllegalArgumentException("concurrency of queue " + queue + " must be >= 1, was " + limit);
            }
        });
        remote.forEach(queue -> {
            TaskRequest.checkQueue(queue);
            if (limits.containsKey(queue)) {
                throw new IllegalArgumentException("queue " + queue + " cannot be both remote and run here");
            }
        });
        this.limits = Map.copyOf(limits);
        this.remote = Set.copyOf(remote);
        this.defaultLimit = defaultLimit;
        this.grown = grown;
        this.limits.keySet().forEach(this::lane);
        this.remote.forEach(this::lane);
        lane(TaskRequest.DEFAULT_QUEUE);
    }

    /** The lane of {@code queue}, made with its concurrency on first use. */
    public Lane lane(String queue) {
        Lane lane = lanes.get(queue);
        return lane != null ? lane : create(queue);
    }

    /** Under the lock {@link #apply} holds, so a lane made meanwhile cannot miss a pause of every queue. */
    private synchronized Lane create(String queue) {
        Lane lane = lanes.get(queue);
        if (lane == null) {
            boolean remoteQueue = remote.contains(queue);
            lane = new Lane(queue, remoteQueue ? 1 : limits.getOrDefault(queue, defaultLimit), remoteQueue,
                    claimRoundTrip);
            lane.paused(false, allPaused);
            lanes.put(queue, lane);
            if (!remoteQueue) {
                grown.accept(lane.slots().limit());
            }
        }
        return lane;
    }

    /** How long claims take lately, measured by the dispatcher; it sizes how far each lane claims ahead. */
    public RecentMean claimRoundTrip() {
        return claimRoundTrip;
    }

    public Collection<Lane> all() {
        return lanes.values();
    }

    /** The concurrency a queue has (or would have) on this server: 0 for a queue left to remote workers. */
    public int limitOf(String queue) {
        if (remote.contains(queue)) {
            return 0;
        }
        return limits.getOrDefault(queue, defaultLimit);
    }

    /** The queues left to remote workers. */
    public Set<String> remoteQueues() {
        return remote;
    }

    /** The concurrency of a queue not configured. */
    public int defaultLimit() {
        return defaultLimit;
    }

    /** True while every queue is paused. */
    public boolean allPaused() {
        return allPaused;
    }

    /** Some lane could take a claimed task now, to run or to hold ahead. */
    public boolean anyCanClaim() {
        for (Lane lane : lanes.values()) {
            if (lane.canClaimMore()) {
                return true;
            }
        }
        return false;
    }

    /** A due PENDING task of any queue may be waiting. */
    public void markAllWaiting() {
        lanes.values().forEach(Lane::markWaiting);
    }

    /** Slots taken now, over every lane. */
    public int running() {
        int taken = 0;
        for (Lane lane : lanes.values()) {
            taken += lane.slots().taken();
        }
        return taken;
    }

    /**
     * Takes the store's queues and pause state as this server's: new queues get a lane, and each lane is
     * paused as the store says.
     *
     * @return what changed: a pause or resume of a queue, or of every queue ({@link QueueState#ALL}), and
     *     whether any lane may start tasks it could not start before
     */
    public synchronized Changes apply(List<QueueState> states) {
        boolean all = false;
        Set<String> paused = new HashSet<>();
        for (QueueState state : states) {
            if (state.name().equals(QueueState.ALL)) {
                all = state.paused();
            } else {
                lane(state.name());
                if (state.paused()) {
                    paused.add(state.name());
                }
            }
        }
        List<QueueState> changed = new ArrayList<>();
        if (all != allPaused) {
            changed.add(new QueueState(QueueState.ALL, all));
        }
        allPaused = all;
        boolean resumed = false;
        for (Lane lane : lanes.values()) {
            boolean itself = paused.contains(lane.name());
            if (itself != lane.pausedItself()) {
                changed.add(new QueueState(lane.name(), itself));
            }
            boolean was = lane.paused();
            lane.paused(itself, all);
            resumed |= was && !lane.paused();
        }
        return new Changes(changed, resumed);
    }

    /**
     * What {@link #apply} found changed.
     *
     * @param pauses  each queue (or {@link QueueState#ALL}) paused or resumed since the last read
     * @param resumed true if some lane was paused and now is not
     */
    public record Changes(List<QueueState> pauses, boolean resumed) {
    }
}
