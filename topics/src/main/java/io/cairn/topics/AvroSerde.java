package io.cairn.topics;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for generated Avro classes in single-object encoding: each value carries its schema's
 * fingerprint, so records written under an older schema stay readable after the schema evolves.
 * Thread-safe. A {@code null} value (a tombstone) passes through as {@code null}.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    /** The package of the generated record classes, the only ones Cairn's serdes instantiate. */
    static final String RECORD_PACKAGE = "io.cairn.topics.avro.";

    static {
        // Avro refuses to instantiate generated classes outside trusted packages (CVE-2024-47561
        // hardening). Trusting Cairn's own records here, beside whatever the JVM already trusts, is the
        // one place this is set: no -D flag is needed by any launcher, test or forked JVM.
        ClassSecurityValidator.ClassSecurityPredicate before = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(before,
                c -> c.getName().startsWith(RECORD_PACKAGE)));
    }

    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    public AvroSerde(Schema schema) {
        this.encoder = new BinaryMessageEncoder<>(SpecificData.get(), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.get(), schema);
        for (Schema older : SchemaHistory.olderVersionsOf(schema)) decoder.addSchema(older);
    }

    /**
     * The value's bytes. Avro's message encoder keeps, per thread and for the thread's life, the last buffer
     * or stream it wrote to; on the edge's virtual threads (one per request) a write waiting 30 s for its
     * outcome kept a buffer of twice its size, 1.6 GB of heap under 800 waiting 1 MiB writes. So it writes
     * through a {@link Handoff} that lets go of the bytes once the value is written.
     */
    public byte[] encode(T value) {
        if (value == null) return null;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (Handoff out = new Handoff(bytes)) {
            encoder.encode(value, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public T decode(byte[] bytes) {
        if (bytes == null) return null;
        try {
            return decoder.decode(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("undecodable record (unknown schema or corrupt bytes)", e);
        }
    }

    /** A stream that forgets the one it writes to when closed: what a coder kept of it is then empty. */
    private static final class Handoff extends OutputStream {
        private OutputStream to;

        Handoff(OutputStream to) {
            this.to = to;
        }

        @Override
        public void write(int b) throws IOException {
            to.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            to.write(b, off, len);
        }

        @Override
        public void close() {
            to = null;
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> encode(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> decode(bytes);
    }
}
