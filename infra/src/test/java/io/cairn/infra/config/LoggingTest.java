package io.cairn.infra.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class LoggingTest {
    @Test
    void jsonLogsAreOneObjectPerLineWithTheRequestsContext() throws Exception {
        PrintStream was = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Logging.use("json"); // the console appender starts now, on this stream
            MDC.put("tenant", "acme");
            MDC.put("correlation_id", "c-1");
            LoggerFactory.getLogger("io.cairn.test").info("tenant {}: restored", "acme");
        } finally {
            MDC.clear();
            System.setOut(was);
            Logging.use("text");
        }
        String line = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("restored")).findFirst().orElseThrow();
        JsonNode event = new ObjectMapper().readTree(line);
        assertThat(event.path("level").asText()).isEqualTo("INFO");
        assertThat(event.path("loggerName").asText()).isEqualTo("io.cairn.test");
        assertThat(event.path("formattedMessage").asText()).isEqualTo("tenant acme: restored");
        assertThat(event.path("mdc").path("tenant").asText()).isEqualTo("acme");
        assertThat(event.path("mdc").path("correlation_id").asText()).isEqualTo("c-1");
        assertThatThrownBy(() -> Logging.use("xml")).isInstanceOf(IllegalArgumentException.class);
    }

    /** A message may quote a tenant's names (an index in a failed check): it cannot forge a line nor send a terminal an escape sequence. */
    @Test
    void aTextLogLineCannotBeForgedNorCarryAnEscapeSequence() {
        PrintStream was = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Logging.use("text");
            LoggerFactory.getLogger("io.cairn.test").error("tenant {}: fails quick_check ({})", "acme",
                    "row 1 missing from index i\u001b]0;owned\u0007\n12:00:00.000 INFO  Applier  all good\u009b2J");
        } finally {
            System.setOut(was);
            Logging.use("text");
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines().filter(l -> l.contains("quick_check") || l.contains("all good"))).as(printed).hasSize(1);
        assertThat(printed).contains("tenant acme: fails quick_check (row 1 missing from index i?]0;owned??12:00:00.000 INFO  Applier  all good?2J)");
    }
}
