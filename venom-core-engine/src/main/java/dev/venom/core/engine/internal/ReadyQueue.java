package dev.venom.core.engine.internal;

import dev.venom.core.model.TaskRequest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * Due tasks in claim order: highest priority first, then by sequence number (creation order). A task that
 * arrives in sequence order, as nearly every new one does, is appended to its priority's array, with no node
 * or boxed key of its own: a pending task costs 12 bytes here instead of a tree entry and a {@code Long}
 * (64), and the collector has two objects fewer a task to trace. One that comes back out of order (a retry,
 * a delayed or released task) goes into a small sorted side map. Not thread-safe.
 *
 * @param <E> what is queued; never null
 */
final class ReadyQueue<E> implements Iterable<E> {

    private final Run<E>[] runs;
    private int size;

    @SuppressWarnings("unchecked")
    ReadyQueue() {
        runs = new Run[TaskRequest.MAX_PRIORITY + 1];
        for (int i = 0; i < runs.length; i++) {
            runs[i] = new Run<>();
        }
    }

    /** Queues {@code element}; a sequence number already queued at this priority is replaced. */
    void put(int priority, long seq, E element) {
        if (element == null) {
            throw new IllegalArgumentException("element must not be null");
        }
        if (run(priority).put(seq, element)) {
            size++;
        }
    }

    /** Removes what is queued at {@code priority} with {@code seq}; true if something was. */
    boolean remove(int priority, long seq) {
        if (run(priority).remove(seq)) {
            size--;
            return true;
        }
        return false;
    }

    /** The first queued at {@code priority} (the lowest sequence number), or null. */
    E first(int priority) {
        return run(priority).first();
    }

    int size() {
        return size;
    }

    /** In claim order. The queue must not change while this is used. */
    @Override
    public Iterator<E> iterator() {
        return new Iterator<>() {
            private int level = runs.length - 1;
            private Iterator<E> current = runs[level].iterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext()) {
                    if (level == 0) {
                        return false;
                    }
                    current = runs[--level].iterator();
                }
                return true;
            }

            @Override
            public E next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    private Run<E> run(int priority) {
        if (priority < 0 || priority >= runs.length) {
            throw new IllegalArgumentException("priority must be 0.." + (runs.length - 1) + ", was " + priority);
        }
        return runs[priority];
    }

    /**
     * One priority's queue: sequence numbers appended in order to parallel arrays between {@code head} and
     * {@code tail} (a removed element leaves its number and a null), and the few that came out of order in
     * {@code late}.
     */
    private static final class Run<E> implements Iterable<E> {
        private static final int INITIAL_CAPACITY = 16;
        /** An emptied run keeps arrays up to this size; larger ones are given back. */
        private static final int KEPT_CAPACITY = 1024;
        private long[] seqs = new long[INITIAL_CAPACITY];
        private Object[] elements = new Object[INITIAL_CAPACITY];
        private int head;
        private int tail;
        /** Non-null elements between head and tail. */
        private int live;
        private final TreeMap<Long, E> late = new TreeMap<>();

        boolean put(long seq, E element) {
            if (!late.isEmpty() && late.containsKey(seq)) {
                late.put(seq, element);
                return false;
            }
            if (tail == head || seq > seqs[tail - 1]) {
                append(seq, element);
                return true;
            }
            int at = indexOf(seq);
            if (at >= 0) {
                boolean added = elements[at] == null;
                elements[at] = element;
                if (added) {
                    live++;
                }
                return added;
            }
            return late.put(seq, element) == null;
        }

        boolean remove(long seq) {
            int at = indexOf(seq);
            if (at >= 0 && elements[at] != null) {
                elements[at] = null;
                live--;
                trim();
                return true;
            }
            return late.remove(seq) != null;
        }

        @SuppressWarnings("unchecked")
        E first() {
            E appended = head < tail ? (E) elements[head] : null; // trim keeps a live element at head
            Map.Entry<Long, E> early = late.firstEntry();
            if (early == null) {
                return appended;
            }
            return appended == null || early.getKey() < seqs[head] ? early.getValue() : appended;
        }

        private void append(long seq, E element) {
            if (tail == seqs.length) {
                makeRoom();
            }
            seqs[tail] = seq;
            elements[tail] = element;
            tail++;
            live++;
        }

        /** Moves the live part to the front, or grows the arrays when at least half of them is live. */
        private void makeRoom() {
            int capacity = live * 2 > seqs.length ? seqs.length * 2 : seqs.length;
            long[] newSeqs = capacity == seqs.length ? seqs : new long[capacity];
            Object[] newElements = capacity == seqs.length ? elements : new Object[capacity];
            int to = 0;
            for (int from = head; from < tail; from++) {
                if (elements[from] != null) {
                    newSeqs[to] = seqs[from];
                    newElements[to] = elements[from];
                    to++;
                }
            }
            if (newElements == elements) {
                Arrays.fill(elements, to, tail, null);
            }
            seqs = newSeqs;
            elements = newElements;
            head = 0;
            tail = to;
        }

        /**
         * Keeps a live element at {@code head}; an empty run starts again from the front, and gives back the
         * arrays a backlog made large.
         */
        private void trim() {
            while (head < tail && elements[head] == null) {
                head++;
            }
            if (head == tail) {
                head = 0;
                tail = 0;
                if (seqs.length > KEPT_CAPACITY) {
                    seqs = new long[INITIAL_CAPACITY];
                    elements = new Object[INITIAL_CAPACITY];
                }
            }
        }

        /** Where {@code seq} is between head and tail (its element may be null), or -1. */
        private int indexOf(long seq) {
            if (head == tail || seq < seqs[head] || seq > seqs[tail - 1]) {
                return -1;
            }
            int at = Arrays.binarySearch(seqs, head, tail, seq);
            return at >= 0 ? at : -1;
        }

        /** Both parts merged by sequence number. */
        @Override
        public Iterator<E> iterator() {
            Iterator<Map.Entry<Long, E>> early = late.entrySet().iterator();
            return new Iterator<>() {
                private int at = head;
                private Map.Entry<Long, E> nextLate = early.hasNext() ? early.next() : null;

                @Override
                public boolean hasNext() {
                    while (at < tail && elements[at] == null) {
                        at++;
                    }
                    return at < tail || nextLate != null;
                }

                @Override
                @SuppressWarnings("unchecked")
                public E next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    if (nextLate != null && (at == tail || nextLate.getKey() < seqs[at])) {
                        E element = nextLate.getValue();
                        nextLate = early.hasNext() ? early.next() : null;
                        return element;
                    }
                    return (E) elements[at++];
                }
            };
        }
    }
}
