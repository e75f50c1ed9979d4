package io.cairn.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {
    /** A row of the error table: {@code | 404 | `tenant_not_found` / `key_not_found` | ... |}. */
    private static final Pattern ROW = Pattern.compile("^\\| (\\d{3}) \\| ((?:`[a-z_]+`(?: / )?)+) \\|");
    private static final Pattern CODE = Pattern.compile("`([a-z_]+)`");

    @Test
    void apiDocsListEveryCodeWithItsStatusAndNothingElse() throws Exception {
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("..", "docs", "api.md"))) {
            Matcher row = ROW.matcher(line);
            if (!row.find()) continue;
            Matcher code = CODE.matcher(row.group(2));
            while (code.find()) documented.add(row.group(1) + " " + code.group(1));
        }
        Set<String> defined = new TreeSet<>();
        Arrays.stream(ErrorCode.values()).forEach(c -> defined.add(c.status() + " " + c.wire()));

        assertThat(documented).as("docs/api.md's error table").isEqualTo(defined);
    }

    @Test
    void wireNamesRoundTripAndUnknownOnesAreEmpty() {
        for (ErrorCode c : ErrorCode.values()) assertThat(ErrorCode.fromWire(c.wire())).contains(c);
        assertThat(ErrorCode.fromWire("no_such_code")).isEmpty();
        assertThat(ErrorCode.fromWire("too_big")).as("a name older versions wrote").contains(ErrorCode.VALUE_TOO_LARGE);
    }

    @Test
    void onlyServerSideFailuresAndBackpressureAreRetriable() {
        for (ErrorCode c : ErrorCode.values()) {
            if (c.retriable()) assertThat(c.status()).as(c.wire()).isIn(429, 503, 504);
            if (c.clientError() && c.status() != 429) assertThat(c.retriable()).as(c.wire()).isFalse();
        }
        assertThat(ErrorCode.WRITE_TIMEOUT.retriable()).as("a timed-out write is in the log: retrying it would apply it twice").isFalse();
    }
}
