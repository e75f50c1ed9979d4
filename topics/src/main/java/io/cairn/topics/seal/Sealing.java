package io.cairn.topics.seal;

import io.cairn.topics.Serdes;
import io.cairn.topics.avro.CommandError;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Sealed;
import io.cairn.topics.avro.SealedResult;
import io.cairn.topics.avro.SetVersion;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Sealing of the tenant data that travels through Kafka: an {@code ExecuteBatch}'s statements and
 * parameters on {@code cairn.tenant-log}, an outcome's rows and error message on
 * {@code cairn.tenant-results}, and the error messages of a tenant's migration sets on
 * {@code cairn.tenant-state}. What routing, ordering and exactly-once need stays clear: the tenant
 * id (the record key), the command id, ingress time, seed, idempotency key, partition and offset, an
 * outcome's ok flag and error code.
 *
 * <p>The sealed bytes are the single-object encoding of the whole clear record (so schema evolution
 * and {@code SchemaHistory} apply inside as outside), bound by associated data to the tenant, the
 * command id and the direction: a payload cannot be replayed under another command or tenant, nor a
 * command's ciphertext passed off as an outcome.
 */
public final class Sealing {
    private Sealing() {}

    /** {@code clear} with its payload sealed by {@code key}, if it is tenant data (an ExecuteBatch); else {@code clear} as is. */
    public static TenantCommand seal(TenantCommand clear, DataKey key) {
        if (!(clear.getPayload() instanceof ExecuteBatch)) return clear;
        byte[] sealed = key.seal(Serdes.COMMAND.encode(clear), aad("command", clear.getTenant(), clear.getCommandId()));
        TenantCommand out = shallowCopy(clear);
        out.setPayload(Sealed.newBuilder().setKeyId(key.id()).setCiphertext(ByteBuffer.wrap(sealed)).build());
        return out;
    }

    /**
     * {@code command}'s fields in a new record, the values themselves shared: {@code newBuilder(command)} copies
     * them deeply, the whole batch (statements and values) that the seal replaces anyway.
     */
    private static TenantCommand shallowCopy(TenantCommand command) {
        TenantCommand copy = new TenantCommand();
        for (org.apache.avro.Schema.Field f : TenantCommand.getClassSchema().getFields()) copy.put(f.pos(), command.get(f.pos()));
        return copy;
    }

    /** True when {@code command}'s payload is sealed. */
    public static boolean isSealed(TenantCommand command) {
        return command.getPayload() instanceof Sealed;
    }

    /** The id of the data key that sealed {@code command}, or null when it is clear. */
    public static String keyId(TenantCommand command) {
        return command.getPayload() instanceof Sealed s ? s.getKeyId() : null;
    }

    /**
     * {@code command} in clear: opened with the tenant's key from {@code keys} when sealed, else as is.
     *
     * @throws KeyErasedException the key is destroyed (the tenant was erased)
     * @throws KeyUnavailableException the vault cannot be reached now
     * @throws SealBrokenException the payload does not verify
     */
    public static TenantCommand open(TenantCommand command, Keyring keys) {
        if (!(command.getPayload() instanceof Sealed s)) return command;
        DataKey key = keys.key(command.getTenant(), s.getKeyId());
        TenantCommand clear = Serdes.COMMAND.decode(key.open(bytes(s.getCiphertext()), aad("command", command.getTenant(), command.getCommandId())));
        if (!clear.getTenant().equals(command.getTenant()) || !clear.getCommandId().equals(command.getCommandId())) {
            throw new SealBrokenException("the sealed payload of command " + command.getCommandId() + " belongs to another command");
        }
        return clear;
    }

    /**
     * {@code clear} with its rows and error message sealed by {@code key}; the error code and the failing
     * statement's index stay readable (they carry no tenant data).
     */
    public static CommandResult seal(CommandResult clear, DataKey key) {
        if (clear.getSealed() != null) return clear;
        byte[] sealed = key.seal(Serdes.RESULT.encode(clear), aad("result", clear.getTenant(), clear.getCommandId()));
        CommandResult.Builder b = CommandResult.newBuilder(clear).setResults(List.of())
                .setSealed(SealedResult.newBuilder().setKeyId(key.id()).setCiphertext(ByteBuffer.wrap(sealed)).build());
        if (clear.getError() != null) b.setError(CommandError.newBuilder(clear.getError()).setMessage("").build());
        return b.build();
    }

    /** {@code result} in clear; see {@link #open(TenantCommand, Keyring)} for what it throws. */
    public static CommandResult open(CommandResult result, Keyring keys) {
        SealedResult s = result.getSealed();
        if (s == null) return result;
        DataKey key = keys.key(result.getTenant(), s.getKeyId());
        CommandResult clear = Serdes.RESULT.decode(key.open(bytes(s.getCiphertext()), aad("result", result.getTenant(), result.getCommandId())));
        if (!clear.getTenant().equals(result.getTenant()) || !clear.getCommandId().equals(result.getCommandId())) {
            throw new SealBrokenException("the sealed outcome of command " + result.getCommandId() + " belongs to another command");
        }
        return clear;
    }

    /**
     * {@code clear} with every migration set's error message sealed by {@code key} (the tenant's data key):
     * a failed migration's message can carry the tenant's data (a trigger's RAISE of a row's value).
     */
    public static TenantState sealErrors(TenantState clear, DataKey key) {
        if (clear.getMigrations().stream().noneMatch(v -> v.getError() != null)) return clear;
        List<SetVersion> sealed = new ArrayList<>(clear.getMigrations().size());
        for (SetVersion v : clear.getMigrations()) {
            if (v.getError() == null) {
                sealed.add(v);
                continue;
            }
            byte[] ciphertext = key.seal(v.getError().getBytes(StandardCharsets.UTF_8), aad("migration-error", clear.getTenant(), v.getSet()));
            sealed.add(SetVersion.newBuilder(v).setError(null).setErrorSealed(ByteBuffer.wrap(ciphertext)).build());
        }
        return TenantState.newBuilder(clear).setMigrations(sealed).build();
    }

    /**
     * {@code state} with its migration sets' error messages in clear, opened with the key its
     * {@code data_key_id} names; a message that cannot be opened (the key destroyed or out of reach, a
     * broken seal) reads as such, never as another's.
     */
    public static TenantState openErrors(TenantState state, Keyring keys) {
        if (state == null || state.getMigrations().stream().noneMatch(v -> v.getErrorSealed() != null)) return state;
        List<SetVersion> opened = new ArrayList<>(state.getMigrations().size());
        for (SetVersion v : state.getMigrations()) {
            if (v.getErrorSealed() == null) {
                opened.add(v);
                continue;
            }
            String message;
            try {
                DataKey key = keys.key(state.getTenant(), state.getDataKeyId());
                message = new String(key.open(bytes(v.getErrorSealed()), aad("migration-error", state.getTenant(), v.getSet())), StandardCharsets.UTF_8);
            } catch (RuntimeException e) { // the key destroyed or out of reach, none named, a broken seal
                message = "(sealed with the tenant's data key, which cannot be read here: " + e.getMessage() + ")";
            }
            opened.add(SetVersion.newBuilder(v).setError(message).setErrorSealed(null).build());
        }
        return TenantState.newBuilder(state).setMigrations(opened).build();
    }

    /** Associated data binding a sealed object to what it belongs to (also used for snapshot objects: their key). */
    public static byte[] aad(String kind, String tenant, String id) {
        return (kind + '\0' + tenant + '\0' + id).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
