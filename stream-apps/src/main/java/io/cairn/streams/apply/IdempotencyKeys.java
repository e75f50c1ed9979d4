package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.Serdes;
import io.cairn.topics.avro.CommandError;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.TenantCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Client retries made safe: the first outcome of a write sent with an {@code Idempotency-Key} is kept
 * in the tenant's own database, in the same transaction as the write, so a retry with the same key
 * (before or after any crash or restart) returns that outcome and applies nothing again. Keys are per
 * tenant and kept for {@link #WINDOW}, measured in the log's ingress time so that replaying the log
 * keeps and expires exactly the same keys. A retry whose statements differ from the first request's
 * fails with {@code idempotency_key_reused} and is not stored.
 */
final class IdempotencyKeys {
    /** How long a key is remembered, counted from the first request's ingress time. */
    static final Duration WINDOW = Duration.ofHours(24);

    /**
     * The statements alone, encoded as an {@code ExecuteBatch} of the first schema was (a record of one array
     * encodes as the array): hashes stored before later fields existed stay equal to today's.
     */
    private static final SpecificDatumWriter<java.util.List<io.cairn.topics.avro.Statement>> STATEMENTS_WRITER =
            new SpecificDatumWriter<>(org.apache.avro.Schema.createArray(io.cairn.topics.avro.Statement.getClassSchema()));

    private IdempotencyKeys() {}

    /**
     * Creates the table if the database predates it and forgets keys older than the window. Call
     * before the record's savepoint, so that a failing write cannot roll either back.
     */
    static void prepare(TenantDatabase db, TenantCommand cmd) throws SQLException {
        TenantSchema.ensureIdempotencyTable(db::prepare);
        PreparedStatement purge = db.prepare("DELETE FROM _cairn_idempotency WHERE ingress_ms < ?");
        purge.setLong(1, cmd.getIngressTimeMs() - WINDOW.toMillis());
        purge.executeUpdate();
    }

    /** The stored first outcome for the command's key, {@code idempotency_key_reused}, or null when the key is new. */
    static Outcome lookup(TenantDatabase db, TenantCommand cmd, ExecuteBatch batch) throws SQLException {
        Row row = row(db, cmd.getIdempotencyKey());
        if (row == null) return null;
        if (!row.requestSha256().equals(requestHash(batch))) return reused();
        return new Outcome.Replayed(decode(row.outcome()));
    }

    /**
     * The outcome {@code cmd} had when it was applied before (it is redelivered: the file's position is past
     * it): the one kept under its Idempotency-Key, marked a replay when an earlier request with the key
     * made it; a {@code write_timeout} saying the outcome is lost when the write had no key (or its key
     * was forgotten).
     */
    static Outcome kept(TenantDatabase db, TenantCommand cmd, ExecuteBatch batch) throws SQLException {
        if (cmd.getIdempotencyKey() == null || !TenantSchema.hasTable(db.connection(), "_cairn_idempotency")) return LOST;
        Row row = row(db, cmd.getIdempotencyKey());
        if (row == null) return LOST;
        if (!row.requestSha256().equals(requestHash(batch))) return reused();
        Outcome first = decode(row.outcome());
        return row.ingressMs() == cmd.getIngressTimeMs() ? first : new Outcome.Replayed(first);
    }

    /** A key's row: the first request's hash, its encoded outcome, its ingress time. */
    private record Row(String requestSha256, byte[] outcome, long ingressMs) {}

    private static Row row(TenantDatabase db, String key) throws SQLException {
        PreparedStatement ps = db.prepare("SELECT request_sha256, outcome, ingress_ms FROM _cairn_idempotency WHERE idempotency_key = ?");
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Row(rs.getString(1), rs.getBytes(2), rs.getLong(3)) : null;
        }
    }

    /** A redelivered write's outcome that nothing kept. */
    static final Outcome.Failed LOST = new Outcome.Failed(ErrorCode.WRITE_TIMEOUT, "the write was applied, but its outcome was lost"
            + " when the applier that applied it stopped; read with its bookmark to see what it did (a write sent with an"
            + " Idempotency-Key gets its outcome back after such a stop)", null);

    private static Outcome reused() {
        return Outcome.failed(ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "this Idempotency-Key was used for a different request within the last " + WINDOW.toHours() + " hours");
    }

    /** Stores the first outcome of the command's key; call after the outcome is final (a failure already rolled back). */
    static void remember(TenantDatabase db, TenantCommand cmd, ExecuteBatch batch, Outcome outcome) throws SQLException {
        PreparedStatement ps = db.prepare("INSERT INTO _cairn_idempotency (idempotency_key, ingress_ms, request_sha256, outcome) VALUES (?, ?, ?, ?)");
        ps.setString(1, cmd.getIdempotencyKey());
        ps.setLong(2, cmd.getIngressTimeMs());
        ps.setString(3, requestHash(batch));
        ps.setBytes(4, encode(outcome));
        ps.executeUpdate();
    }

    private static byte[] encode(Outcome outcome) {
        CommandResult.Builder r = CommandResult.newBuilder().setCommandId("").setTenant("").setPartition(0).setOffset(0)
                .setAppliedTimeMs(0).setError(null).setResults(List.of());
        switch (outcome) {
            case Outcome.Applied a -> r.setOk(true).setResults(a.results());
            case Outcome.Failed f -> r.setOk(false).setError(CommandError.newBuilder().setCode(f.code().wire())
                    .setMessage(f.message()).setStatement(f.statement()).setRaised(f.raised()).setSqliteCode(f.sqliteCode()).build());
            default -> throw new IllegalArgumentException("only a first outcome is stored: " + outcome);
        }
        return Serdes.RESULT.encode(r.build());
    }

    private static Outcome decode(byte[] bytes) {
        CommandResult r = Serdes.RESULT.decode(bytes);
        if (r.getOk()) return new Outcome.Applied(r.getResults());
        // An outcome stored by another version may carry a code this one does not know: it stays a failure.
        ErrorCode code = ErrorCode.fromWire(r.getError().getCode()).orElse(ErrorCode.INTERNAL);
        return new Outcome.Failed(code, r.getError().getMessage(), r.getError().getStatement(), r.getError().getRaised(),
                r.getError().getSqliteCode());
    }

    /**
     * SHA-256 of the batch's statements (Avro encoding) and its condition, if any: the same statements,
     * parameters and condition give the same hash.
     */
    private static String requestHash(ExecuteBatch batch) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            STATEMENTS_WRITER.write(batch.getStatements(), enc);
            enc.flush();
            if (batch.getIfUnchangedSince() != null) out.writeBytes(("if_unchanged_since:" + batch.getIfUnchangedSince()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return io.cairn.topics.Sha256.hex(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
