package io.cairn.infra.config;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * How the process logs: {@code text} (one line per event, for people) or {@code json} (one JSON object per
 * line, with the request's {@code correlation_id}, {@code route} and {@code tenant} from the MDC, for a log
 * pipeline). Chosen by {@code CAIRN_LOG_FORMAT} (environment or system property) when logging starts, or
 * by {@code log_format} in cairn.yaml through {@link #use}.
 */
public final class Logging {
    public static final Set<String> FORMATS = Set.of("text", "json");

    private Logging() {}

    /** Reconfigures logging with {@code format}; the same configuration file, its appender picked by the property. */
    public static void use(String format) {
        if (!FORMATS.contains(format)) throw new IllegalArgumentException("log_format must be text or json, not '" + format + "'");
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
        URL config = Logging.class.getResource("/logback.xml");
        if (config == null) return;
        context.reset();
        context.putProperty("CAIRN_LOG_FORMAT", format);
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(context);
        try {
            joran.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("could not configure logging as " + format, e);
        }
    }
}
