package io.cairn.edge.write;

/** Kafka did not acknowledge a command: nothing is known to be in the log; the client may retry. */
public final class LogUnavailableException extends RuntimeException {
    public LogUnavailableException(Throwable cause) {
        super("the command log is unavailable: " + cause.getMessage(), cause);
    }
}
