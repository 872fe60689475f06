package dev.venom.core.engine;

/** A schedule was created under a name another schedule has. */
public class ScheduleExistsException extends VenomException {

    public ScheduleExistsException(String name) {
        super("Schedule " + name + " already exists");
    }
}
