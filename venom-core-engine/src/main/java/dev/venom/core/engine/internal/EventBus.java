package dev.venom.core.engine.internal;

import dev.venom.core.engine.QueueEvent;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.TaskListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands events to listeners on a thread of its own through a bounded queue: publishing never blocks, and
 * when the listeners fall behind by more than the queue holds, events are dropped and counted. The thread
 * drains the queue every few milliseconds rather than being woken per event, so publishing costs the
 * request path no thread hand-off.
 */
public final class EventBus implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventBus.class);

    private final List<TaskListener> listeners;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** Holds {@link TaskEvent}s of this engine and {@link Remote}s of other servers'. */
    private final BlockingQueue<Object> queue;
    private final AtomicLong dropped = new AtomicLong();
    /** Other servers' events lost or skipped: told only to the listeners that want those. */
    private final AtomicLong remoteDropped = new AtomicLong();
    private final int capacity;
    private final Thread thread;
    private volatile boolean running = true;

    public EventBus(List<TaskListener> listeners, int capacity) {
        this.listeners = List.copyOf(listeners);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
        this.thread = new Thread(this::deliver, "venom-events");
        this.thread.setDaemon(true);
        if (!this.listeners.isEmpty()) {
            thread.start();
        }
    }

    /**
     * Tells every listener of an operator's change to a queue, on the caller's thread: such changes are rare,
     * and each is told even when task events are being dropped. A listener that throws is logged.
     */
    public void publishQueue(QueueEvent event) {
        for (TaskListener listener : listeners) {
            try {
                listener.onQueueEvent(event);
            } catch (RuntimeException e) {
                log.warn("a task listener failed on {} of queue {}", event.type().wireName(), event.queue(), e);
            }
        }
    }

    /** Queues {@code events} for the listeners; drops them if the queue is full. */
    public void publish(List<TaskEvent> events) {
        if (listeners.isEmpty()) {
            return;
        }
        for (TaskEvent event : events) {
            if (!queue.offer(event) && dropped.incrementAndGet() % 10_000 == 1) {
                log.warn("task listeners are behind; {} event(s) dropped so far", dropped.get());
            }
        }
    }

    /** True if a listener wants the events of other servers' changes. */
    public boolean wantsRemoteEvents() {
        return listeners.stream().anyMatch(TaskListener::wantsRemoteEvents);
    }

    /** True if a listener wants the events of other servers' changes at this moment. */
    public boolean wantsRemoteEventsNow() {
        for (TaskListener listener : listeners) {
            if (listener.wantsRemoteEventsNow()) {
                return true;
            }
        }
        return false;
    }

    /** An event of a task another server changed: only for listeners that {@linkplain TaskListener#wantsRemoteEvents want it}. */
    private record Remote(TaskEvent event) {
    }

    /**
     * Queues events of other servers' changes for the listeners that want them. They may fill only half the
     * queue, so that a busy cluster never crowds out this engine's own events; beyond that they are dropped
     * (and listeners told).
     */
    public void publishRemote(List<TaskEvent> events) {
        if (!running) {
            return;
        }
        for (TaskEvent event : events) {
            if ((queue.remainingCapacity() <= capacity / 2 || !queue.offer(new Remote(event)))
                    && remoteDropped.incrementAndGet() % 10_000 == 1) {
                log.warn("task listeners are behind; {} event(s) of other servers dropped so far", remoteDropped.get());
            }
        }
    }

    /** Some events never reached this engine (another server's, lost on the way): listeners are told. */
    public void missed() {
        remoteDropped.incrementAndGet();
    }

    /** How many events were dropped because the listeners were behind. */
    public long dropped() {
        return dropped.get();
    }

    private void deliver() {
        List<Object> batch = new ArrayList<>(256);
        long reported = 0;
        long remoteReported = 0;
        while (running || !queue.isEmpty()) {
            long lost = dropped.get();
            long remoteLost = remoteDropped.get();
            if (lost > reported || remoteLost > remoteReported) {
                for (TaskListener listener : listeners) {
                    long count = lost - reported + (listener.wantsRemoteEvents() ? remoteLost - remoteReported : 0);
                    if (count > 0) {
                        try {
                            listener.onEventsDropped(count);
                        } catch (RuntimeException e) {
                            log.warn("task listener {} failed on dropped events", listener, e);
                        }
                    }
                }
                reported = lost;
                remoteReported = remoteLost;
            }
            queue.drainTo(batch, 256);
            if (batch.isEmpty()) {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
                continue;
            }
            for (Object queued : batch) {
                boolean remote = queued instanceof Remote;
                TaskEvent event = remote ? ((Remote) queued).event() : (TaskEvent) queued;
                for (TaskListener listener : listeners) {
                    if (remote && !listener.wantsRemoteEvents()) {
                        continue;
                    }
                    try {
                        listener.onEvent(event);
                    } catch (RuntimeException e) {
                        log.warn("task listener {} failed on {} of task {}", listener, event.type(),
                                event.task().id(), e);
                    }
                }
            }
            batch.clear();
        }
    }

    /** Delivers what is queued (for up to 5 s), then stops. */
    @Override
    public void close() {
        running = false;
        if (thread.isAlive()) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
