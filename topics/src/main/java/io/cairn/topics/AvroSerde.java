package io.cairn.topics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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

    public byte[] encode(T value) {
        if (value == null) return null;
        try {
            ByteBuffer buf = encoder.encode(value);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public T decode(byte[] bytes) {
        if (bytes == null) return null;
        try {
            return decoder.decode(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("undecodable record (unknown schema or corrupt bytes)", e);
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
