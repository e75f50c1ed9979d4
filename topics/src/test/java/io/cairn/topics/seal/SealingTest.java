package io.cairn.topics.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.topics.Serdes;
import io.cairn.topics.avro.CommandError;
import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.Sealed;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.StatementResult;
import io.cairn.topics.avro.TenantCommand;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SealingTest {
    private static final String SECRET = "4111-1111-1111-1111";
    private final byte[] material = random();
    private final DataKey key = new DataKey("dk-1", material.clone());
    private final Keyring keys = (tenant, id) -> {
        if (!id.equals("dk-1")) throw new KeyErasedException(tenant, id);
        return new DataKey("dk-1", material.clone());
    };

    @Test
    void aSealedWriteHoldsNoneOfItsStatementsOrParametersInClearAndOpensToTheSameCommand() {
        TenantCommand clear = write("acme", "c-1");
        TenantCommand sealed = Sealing.seal(clear, key);
        byte[] onTheLog = Serdes.COMMAND.encode(sealed);

        assertThat(new String(onTheLog, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET).doesNotContain("INSERT INTO cards");
        assertThat(HexFormat.of().formatHex(onTheLog)).doesNotContain(HexFormat.of().formatHex(SECRET.getBytes(StandardCharsets.UTF_8)));
        assertThat(Sealing.keyId(sealed)).isEqualTo("dk-1");
        assertThat(sealed.getCommandId()).isEqualTo("c-1");
        assertThat(Sealing.open(Serdes.COMMAND.decode(onTheLog), keys)).isEqualTo(clear).isEqualTo(write("acme", "c-1"));
        assertThat(clear.getPayload()).isNotInstanceOf(io.cairn.topics.avro.Sealed.class); // sealing made a new command
    }

    @Test
    void aPayloadMovedToAnotherCommandOrTenantDoesNotOpen() {
        Sealed sealed = (Sealed) Sealing.seal(write("acme", "c-1"), key).getPayload();
        TenantCommand moved = TenantCommand.newBuilder(write("acme", "c-2")).setPayload(sealed).build();
        TenantCommand otherTenant = TenantCommand.newBuilder(write("globex", "c-1")).setPayload(sealed).build();

        assertThatThrownBy(() -> Sealing.open(moved, keys)).isInstanceOf(SealBrokenException.class);
        assertThatThrownBy(() -> Sealing.open(otherTenant, keys)).isInstanceOf(SealBrokenException.class);
    }

    @Test
    void anAlteredCiphertextDoesNotOpen() {
        TenantCommand sealed = Sealing.seal(write("acme", "c-1"), key);
        byte[] ct = ((Sealed) sealed.getPayload()).getCiphertext().array();
        ct[ct.length / 2] ^= 1;
        assertThatThrownBy(() -> Sealing.open(sealed, keys)).isInstanceOf(SealBrokenException.class);
    }

    @Test
    void aDestroyedKeyMakesTheRecordErased() {
        TenantCommand sealed = Sealing.seal(write("acme", "c-1"), new DataKey("dk-gone", random()));
        assertThatThrownBy(() -> Sealing.open(sealed, keys)).isInstanceOf(KeyErasedException.class).hasMessageContaining("dk-gone");
        assertThatThrownBy(() -> Sealing.open(sealed, Keyring.NONE)).isInstanceOf(KeyUnavailableException.class)
                .hasMessageContaining("no key vault");
    }

    @Test
    void commandsThatCarryNoTenantDataStayClear() {
        TenantCommand delete = TenantCommand.newBuilder(write("acme", "c-1")).setPayload(DeleteTenant.newBuilder().build()).build();
        assertThat(Sealing.seal(delete, key)).isSameAs(delete);
        assertThat(Sealing.open(delete, keys)).isSameAs(delete);
    }

    @Test
    void anOutcomeKeepsItsCodeAndSealsItsRowsAndMessage() {
        CommandResult failed = result("acme", "c-1").setOk(false)
                .setError(CommandError.newBuilder().setCode("sql_error").setMessage("near \"" + SECRET + "\": syntax error").setStatement(0).build())
                .build();
        CommandResult rows = result("acme", "c-2").setOk(true).setError(null).setResults(List.of(StatementResult.newBuilder().setChanges(1)
                .setLastInsertRowid(1).setColumns(List.of("number")).setRows(List.of(List.of(SECRET))).build())).build();
        for (CommandResult clear : List.of(failed, rows)) {
            CommandResult sealed = Sealing.seal(clear, key);
            String wire = new String(Serdes.RESULT.encode(sealed), StandardCharsets.ISO_8859_1);
            assertThat(wire).doesNotContain(SECRET);
            assertThat(sealed.getOk()).isEqualTo(clear.getOk());
            assertThat(Sealing.open(sealed, keys)).isEqualTo(clear);
        }
        assertThat(Sealing.seal(failed, key).getError().getCode()).isEqualTo("sql_error");
        CommandResult sealedFailure = Sealing.seal(failed, key);
        CommandResult asOther = CommandResult.newBuilder(sealedFailure).setCommandId("c-9").build();
        assertThatThrownBy(() -> Sealing.open(asOther, keys)).isInstanceOf(SealBrokenException.class);
    }

    @Test
    void whatTinksAesGcmSealedOpensHereAndTheReverse() throws Exception {
        com.google.crypto.tink.subtle.AesGcmJce tink = new com.google.crypto.tink.subtle.AesGcmJce(material.clone());
        byte[] aad = Sealing.aad("command", "acme", "c-1");
        byte[] plain = SECRET.getBytes(StandardCharsets.UTF_8);
        assertThat(new DataKey("dk-1", material.clone()).open(tink.encrypt(plain, aad), aad)).isEqualTo(plain);
        assertThat(tink.decrypt(key.seal(plain, aad), aad)).isEqualTo(plain);
    }

    @Test
    void aKeyNeverShowsItsMaterial() {
        assertThat(key.toString()).isEqualTo("DataKey[dk-1]").doesNotContain(HexFormat.of().formatHex(material));
        assertThatThrownBy(() -> new DataKey("short", new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }

    private static CommandResult.Builder result(String tenant, String commandId) {
        return CommandResult.newBuilder().setCommandId(commandId).setTenant(tenant).setPartition(0).setOffset(7).setAppliedTimeMs(1)
                .setResults(List.of());
    }

    private static TenantCommand write(String tenant, String commandId) {
        Statement st = Statement.newBuilder().setSql("INSERT INTO cards (number, holder) VALUES (?, :h)")
                .setPositional(new ArrayList<>(Arrays.asList(SECRET))).setNamed(Map.of(":h", "Ada Lovelace")).build();
        return TenantCommand.newBuilder().setCommandId(commandId).setTenant(tenant).setIngressTimeMs(1).setSeed(2).setIdempotencyKey(null)
                .setPayload(ExecuteBatch.newBuilder().setStatements(List.of(st)).build()).build();
    }

    private static byte[] random() {
        byte[] b = new byte[DataKey.BYTES];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
