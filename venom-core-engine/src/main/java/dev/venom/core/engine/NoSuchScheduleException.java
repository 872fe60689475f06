package dev.venom.core.engine;

/** A call named a schedule that does not exist. */
public class NoSuchScheduleException extends VenomException {

    public NoSuchScheduleException(String name) {
        super("Schedule " + name + " not found");
    }
}
