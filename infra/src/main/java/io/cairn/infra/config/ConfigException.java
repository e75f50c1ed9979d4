package io.cairn.infra.config;

/**
 * A setting Cairn cannot start with (a taken port, a short admin token, an unknown key in
 * {@code cairn.yaml}): found before anything starts, and reported as one line naming what to change,
 * never a stack trace.
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message, null, false, false);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    /** Builds a configuration, turning what its validation refuses into a {@code ConfigException}. */
    public static <T> T check(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }
}
