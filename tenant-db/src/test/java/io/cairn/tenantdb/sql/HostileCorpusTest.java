package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The hostile-input corpus ({@code src/test/resources/hostile/corpus.jsonl}): what a tenant might send to
 * reach other databases, files, host facts, Cairn's own tables, the temp schema, or to make SQLite run
 * other text than was checked; and look-alikes that must stay accepted. Each line: {@code mode} (read
 * or write), {@code expect} (an error code, or {@code ok}), {@code sql}, {@code why}.
 */
class HostileCorpusTest {
    record Entry(int line, String mode, String expect, String sql, String why) {}

    static List<Entry> corpus() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Entry> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                HostileCorpusTest.class.getResourceAsStream("/hostile/corpus.jsonl")), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode e = json.readTree(line);
                out.add(new Entry(n, e.get("mode").asText(), e.get("expect").asText(), e.get("sql").textValue(), e.get("why").asText()));
            }
        }
        return out;
    }

    static String verdict(Entry e) {
        try {
            if (e.mode().equals("write")) StatementPolicy.checkWrite(e.sql());
            else StatementPolicy.checkRead(e.sql());
            return "ok";
        } catch (SqlRefusal r) {
            return r.code().wire();
        }
    }

    @Test
    void everyHostileInputGetsItsCodeAndEveryLookAlikeIsAccepted() throws IOException {
        List<Entry> corpus = corpus();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(300);
        List<String> wrong = new ArrayList<>();
        for (Entry e : corpus) {
            String got = verdict(e);
            if (!got.equals(e.expect())) {
                wrong.add("line " + e.line() + " (" + e.mode() + ", " + e.why() + "): expected " + e.expect() + ", got " + got
                        + " for " + printable(e.sql()));
            }
        }
        assertThat(wrong).as("corpus entries judged otherwise than expected").isEmpty();
    }

    static String printable(String sql) {
        StringBuilder b = new StringBuilder();
        for (char c : sql.toCharArray()) {
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
