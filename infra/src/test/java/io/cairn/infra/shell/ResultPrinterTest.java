package io.cairn.infra.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultPrinterTest {
    private static final String HOSTILE = "\u001b]0;title\u0007a,b\r\n\tc\u007f\u009b2J";

    private static String print(ResultPrinter.Mode mode, boolean terminal, Object value) {
        StringWriter out = new StringWriter();
        ResultPrinter.print(new PrintWriter(out), mode, List.of("v"), List.of(Arrays.asList(value)), terminal);
        return out.toString();
    }

    @Test
    void csvForAProgramKeepsEveryCharacterOfTheData() {
        assertThat(print(ResultPrinter.Mode.CSV, false, HOSTILE)).isEqualTo("v\n\"" + HOSTILE + "\"\n");
    }

    @Test
    void csvOnATerminalShowsControlsEscapedAndKeepsLineBreaksAndTabs() {
        assertThat(print(ResultPrinter.Mode.CSV, true, HOSTILE)).isEqualTo("v\n\"^[]0;title^Ga,b^M\n\tc^?\\u009b2J\"\n");
    }

    @Test
    void aTableEscapesEveryControlSoCellsStayOnTheirLine() {
        assertThat(print(ResultPrinter.Mode.TABLE, false, HOSTILE)).contains("| ^[]0;title^Ga,b^M^J^Ic^?\\u009b2J |");
    }

    @Test
    void jsonEscapesDelAndC1TooAndStaysTheSameText() throws Exception {
        String json = print(ResultPrinter.Mode.JSON, false, HOSTILE).strip();
        assertThat(json).doesNotContain("\u001b").doesNotContain("\u007f").doesNotContain("\u009b").contains("\\u009b").contains("\\u007F");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("v").asText()).isEqualTo(HOSTILE);
    }

    @Test
    void textWithoutControlsIsUnchanged() {
        assertThat(TerminalText.safe("héllo wörld ✓ 日本")).isEqualTo("héllo wörld ✓ 日本");
        assertThat(TerminalText.safeLines("CREATE TABLE t (\n\ta)")).isEqualTo("CREATE TABLE t (\n\ta)");
    }
}
