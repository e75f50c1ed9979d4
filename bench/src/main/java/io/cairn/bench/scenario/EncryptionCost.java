package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.streams.apply.ReplayProgress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What per-tenant encryption costs (docs/security.md), on one stack at one time: two sets of tenants
 * with the same workload, one sealed (the default, as in {@code ./cairn dev}) and one clear (its keys
 * destroyed right after creation, which leaves it exactly like a tenant made before encryption was
 * on). Write throughput in batches of 1 and of {@code batchSize}, the sets in ABBA order, then rebuilds
 * of each set from the log (the same replay {@code cairn rebuild} runs), and the key encryption key calls
 * of the whole run.
 */
public final class EncryptionCost {
    private EncryptionCost() {}

    /** Statements per second per set and phase, and the KEK calls counted by {@code /metrics} at the end. */
    public record Result(int tenantsPerSet, double sealedSingle, double clearSingle, double sealedBatched, double clearBatched,
            double sealedRebuild, double clearRebuild, double kekWraps, double kekUnwraps, double cryptoMicrosPerWrite) {}

    public static Result measure(CairnClient client, TenantKeys keys, Map<String, Object> kafka, Path scratch, int tenants,
            int singleRequests, int batchRequests, int batchSize, int clients) throws Exception {
        int half = Math.max(1, tenants / 2);
        int single = Math.max(half, singleRequests / 2 / half * half);
        int batched = Math.max(half, batchRequests / 2 / half * half);
        Tenants.Created sealed = Tenants.create(client, "sealed", half, clients);
        Tenants.Created clear = Tenants.create(client, "clear", half, clients);
        for (String id : clear.ids()) keys.destroy(id, keys.keyIds(id));
        Tenants.createTables(client, sealed, clients);
        Tenants.createTables(client, clear, clients);

        // Each phase runs clear, sealed, sealed, clear (ABBA), and each set's two runs are averaged, so a
        // machine that warms up or slows down over the phase favours neither set.
        long perSingle = (long) single / half;
        double c1 = WriteThroughput.measure(client, clear, 1, single, clients, 0);
        double s1 = WriteThroughput.measure(client, sealed, 1, single, clients, 0);
        double s2 = WriteThroughput.measure(client, sealed, 1, single, clients, perSingle);
        double c2 = WriteThroughput.measure(client, clear, 1, single, clients, perSingle);
        long rows = 2 * perSingle;
        long perBatched = (long) batched / half * batchSize;
        double c3 = WriteThroughput.measure(client, clear, batchSize, batched, clients, rows);
        double s3 = WriteThroughput.measure(client, sealed, batchSize, batched, clients, rows);
        double s4 = WriteThroughput.measure(client, sealed, batchSize, batched, clients, rows + perBatched);
        double c4 = WriteThroughput.measure(client, clear, batchSize, batched, clients, rows + perBatched);
        double clearSingle = (c1 + c2) / 2, sealedSingle = (s1 + s2) / 2, clearBatched = (c3 + c4) / 2, sealedBatched = (s3 + s4) / 2;

        double clearRebuild = rebuild(kafka, keys, scratch.resolve("rebuild-clear-1"), new HashSet<>(clear.ids()));
        double sealedRebuild = rebuild(kafka, keys, scratch.resolve("rebuild-sealed-1"), new HashSet<>(sealed.ids()));
        sealedRebuild = (sealedRebuild + rebuild(kafka, keys, scratch.resolve("rebuild-sealed-2"), new HashSet<>(sealed.ids()))) / 2;
        clearRebuild = (clearRebuild + rebuild(kafka, keys, scratch.resolve("rebuild-clear-2"), new HashSet<>(clear.ids()))) / 2;

        double wraps = 0, unwraps = 0;
        for (String line : client.metrics().split("\n")) {
            if (line.startsWith("cairn_keys_kek_calls_total{") && line.contains("op=\"wrap\"")) wraps = value(line);
            if (line.startsWith("cairn_keys_kek_calls_total{") && line.contains("op=\"unwrap\"")) unwraps = value(line);
        }
        return new Result(half, sealedSingle, clearSingle, sealedBatched, clearBatched, sealedRebuild, clearRebuild, wraps, unwraps,
                cryptoMicrosPerWrite(keys, sealed.ids().getFirst()));
    }

    /**
     * CPU per write of the sealing itself, in one thread: the edge seals a one-statement write, the
     * applier decodes and opens it and seals its outcome, the edge opens that (microseconds per write).
     */
    public static double cryptoMicrosPerWrite(TenantKeys keys, String tenant) {
        io.cairn.topics.seal.DataKey key = keys.current(tenant);
        io.cairn.topics.avro.TenantCommand clear = io.cairn.topics.avro.TenantCommand.newBuilder().setCommandId("c").setTenant(tenant)
                .setIngressTimeMs(1).setSeed(1).setIdempotencyKey(null)
                .setPayload(io.cairn.topics.avro.ExecuteBatch.newBuilder().setStatements(java.util.List.of(io.cairn.topics.avro.Statement
                        .newBuilder().setSql("INSERT INTO kv (v) VALUES (?)").setPositional(java.util.List.of("value-0")).build())).build()).build();
        io.cairn.topics.avro.CommandResult outcome = io.cairn.topics.avro.CommandResult.newBuilder().setCommandId("c").setTenant(tenant)
                .setPartition(0).setOffset(1).setOk(true).setError(null).setAppliedTimeMs(1).setResults(java.util.List.of(
                        io.cairn.topics.avro.StatementResult.newBuilder().setChanges(1).setLastInsertRowid(1).build())).build();
        long sink = 0;
        int n = 200_000;
        long t0 = 0;
        for (int i = 0; i < 2 * n; i++) {
            if (i == n) t0 = System.nanoTime(); // the first half warms the JIT up
            byte[] wire = io.cairn.topics.Serdes.COMMAND.encode(io.cairn.topics.seal.Sealing.seal(clear, key));
            io.cairn.topics.avro.TenantCommand opened = io.cairn.topics.seal.Sealing.open(io.cairn.topics.Serdes.COMMAND.decode(wire), keys);
            byte[] result = io.cairn.topics.Serdes.RESULT.encode(io.cairn.topics.seal.Sealing.seal(outcome, key));
            sink += opened.getSeed() + io.cairn.topics.seal.Sealing.open(io.cairn.topics.Serdes.RESULT.decode(result), keys).getOffset();
        }
        double micros = (System.nanoTime() - t0) / 1e3 / n;
        return sink == 0 ? -1 : micros;
    }

    /** Statements per second of a replay of {@code tenants} from the whole log into {@code dir}. */
    private static double rebuild(Map<String, Object> kafka, TenantKeys keys, Path dir, Set<String> tenants) throws Exception {
        ReplayProgress p = new LogReplay(kafka, ApplierConfig.primary(dir).withKeys(keys)).replayAll(tenants::contains, x -> { });
        return p.statements() / (p.elapsedNanos() / 1e9);
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
}
