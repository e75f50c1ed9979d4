package io.cairn.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Off a terminal (as in this test, a script or CI) a progress line is not redrawn: its last state is one plain line. */
class ProgressTest {
    @Test
    void offATerminalTheLastStateIsWrittenOnceAsOneLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] done = {0};
        try (Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "importing a.db into acme", () -> done[0], 2048)) {
            done[0] = 2048;
        }
        String written = bytes.toString(StandardCharsets.UTF_8);
        assertThat(written).doesNotContain("\r").endsWith(System.lineSeparator());
        assertThat(written.lines().toList()).hasSize(1);
        assertThat(written).startsWith("importing a.db into acme [##############################] 2048 B / 2048 B");
    }
}
