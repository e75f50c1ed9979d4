package io.cairn.topics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Every earlier version of a record's schema, kept as resources ({@code history/<Name>-v<N>.avsc}) so
 * that records written under them stay readable: a single-object encoded record names its writer's
 * schema by fingerprint, and the decoder resolves it to today's schema (new fields take their
 * defaults). A schema change copies the outgoing {@code .avsc} here as the next version; the golden
 * encodings of every version are tested ({@code GoldenRecordsTest}).
 */
final class SchemaHistory {
    private static final int MAX_VERSIONS = 100;

    private SchemaHistory() {}

    static List<Schema> olderVersionsOf(Schema current) {
        List<Schema> out = new ArrayList<>();
        for (int v = 1; v <= MAX_VERSIONS; v++) {
            String name = "history/" + current.getName() + "-v" + v + ".avsc";
            try (InputStream in = SchemaHistory.class.getResourceAsStream(name)) {
                if (in == null) break;
                out.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("unreadable schema history " + name, e);
            }
        }
        return out;
    }
}
