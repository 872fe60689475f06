package dev.venom.core.http;

import dev.venom.core.model.Progress;
import dev.venom.core.model.VenomTask;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** One claimed attempt, as a {@link WorkerClient}'s handler sees it. */
public final class RemoteTask {

    private final VenomTask task;
    private final int attempt;
    private final Map<UUID, String> dependencyResults;
    private final WorkerClient client;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicReference<Progress> progress = new AtomicReference<>();
    private volatile Progress progressSent;
    /** Set once its outcome is being reported: no more heartbeats. */
    private volatile boolean reporting;

    RemoteTask(VenomTask task, int attempt, Map<UUID, String> dependencyResults, WorkerClient client) {
        this.task = task;
        this.attempt = attempt;
        this.dependencyResults = Collections.unmodifiableMap(new LinkedHashMap<>(dependencyResults));
        this.client = client;
    }

    /** The task as it was claimed (PROCESSING). */
    public VenomTask task() {
        return task;
    }

    /** This attempt's number, which every call about it names. */
    public int attempt() {
        return attempt;
    }

    /** What each task this one depends on returned, by id: all of them COMPLETED before it was claimed. */
    public Map<UUID, String> dependencyResults() {
        return dependencyResults;
    }

    /**
     * True once the task was cancelled on the server (a client, a purge, an emergency stop), this attempt lost
     * its lease, or the worker is stopping and released it: the handler should stop, its result is dropped.
     */
    public boolean isCancelled() {
        return cancelled.get();
    }

    /** Adds a line to the task's logs on the server now. */
    public void log(String line) {
        client.log(this, line);
    }

    /** Records how far the attempt has come; sent with the next heartbeat. */
    public void progress(int percent, String message) {
        progress.set(new Progress(percent, message));
    }

    void cancel() {
        cancelled.set(true);
    }

    void reporting() {
        reporting = true;
    }

    boolean isReporting() {
        return reporting;
    }

    /** The progress not sent yet, or null. */
    Progress progressToSend() {
        Progress now = progress.get();
        if (now == null || now.equals(progressSent)) {
            return null;
        }
        progressSent = now;
        return now;
    }
}
