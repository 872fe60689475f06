package dev.venom.core.persistence;

/** A store that holds a pool of database connections, and the pool's figures for monitoring. */
public interface PooledStore {

    /** The pool's figures now. */
    PoolStats pool();

    /**
     * @param active  connections in use
     * @param idle    connections open and free
     * @param waiting threads waiting for a connection
     * @param max     the pool's size limit
     */
    record PoolStats(int active, int idle, int waiting, int max) {
    }
}
