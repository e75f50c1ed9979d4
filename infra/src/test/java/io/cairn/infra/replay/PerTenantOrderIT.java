package io.cairn.infra.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.streams.apply.Applier;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.TenantCommand;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-tenant order: many clients write to one tenant at once (threads sharing one producer, as the
 * edge's request threads do), each waiting for its ack before its next write, with statements whose result depends on what ran before (a running hash, a history of it); the live
 * database equals the tenant's log applied serially, in offset order, into a fresh directory.
 */
class PerTenantOrderIT {
    private static final int CLIENTS = 8;
    private static final int WRITES_PER_CLIENT = 150;
    private static final String TENANT = "ordered";

    @TempDir Path data;

    @Test
    void concurrentWritersToOneTenantGiveTheSerialApplicationOfItsLogInOffsetOrder() throws Exception {
        Path hot = data.resolve("hot");
        try (LogFixture log = LogFixture.start(data.resolve("kafka"));
             Applier applier = Applier.start(ApplierConfig.primary(hot), log.clientProps(), new SimpleMeterRegistry())) {
            log.produce(List.of(command(new CreateTenant(null, new KeySpec("k", "00".repeat(32), List.of("write")), null, List.of())),
                    batch("CREATE TABLE acc (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)",
                            "CREATE TABLE hist (seq INTEGER PRIMARY KEY, client INTEGER, v INTEGER)",
                            "INSERT INTO acc VALUES (0, 1)")));
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    for (int i = 0; i < WRITES_PER_CLIENT; i++) {
                        log.produce(List.of(batch(
                                "UPDATE acc SET v = (v * 31 + " + (client * 1000 + i) + ") % 1000000007 WHERE id = 0",
                                "INSERT INTO hist (client, v) SELECT " + client + ", v FROM acc WHERE id = 0")));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
            clients.shutdown();
            log.awaitApplied("cairn-applier", hot);

            Path serial = data.resolve("serial");
            new LogReplay(log.clientProps(), ApplierConfig.primary(serial)).replayAll(TENANT::equals, p -> { });
            assertThat(LogFixture.checksum(hot, TENANT)).as("live equals the serial application of the log in offset order")
                    .isEqualTo(LogFixture.checksum(serial, TENANT));
        }
    }

    private static TenantCommand batch(String... sql) {
        List<Statement> statements = new ArrayList<>();
        for (String s : sql) statements.add(new Statement(s, List.of(), Map.of()));
        return command(new ExecuteBatch(statements, null));
    }

    private static TenantCommand command(Object payload) {
        return TenantCommand.newBuilder().setCommandId(java.util.UUID.randomUUID().toString()).setTenant(TENANT)
                .setIngressTimeMs(System.currentTimeMillis()).setSeed(1).setIdempotencyKey(null).setPayload(payload).build();
    }
}
