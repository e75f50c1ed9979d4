package io.cairn.infra.replay;

import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.DeleteTenant;
import io.cairn.topics.avro.ExecuteBatch;
import io.cairn.topics.avro.KeySpec;
import io.cairn.topics.avro.Statement;
import io.cairn.topics.avro.TenantCommand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded stream of tenant-log commands that leans on everything replay must reproduce: random(),
 * randomblob(N), every 'now' time function, CURRENT_* keywords (also in column DEFAULTs and a
 * trigger), DDL interleaved with writes (CREATE/ALTER/DROP TABLE, CREATE/DROP INDEX), deletes of rows
 * and of whole tenants (then created again), and batches that fail part-way. Same seed, same commands.
 */
final class DeterminismWorkload {
    static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private static final String[] SCHEMA = {
        "CREATE TABLE events (id INTEGER PRIMARY KEY, r INTEGER, b BLOB, note TEXT, created TEXT DEFAULT CURRENT_TIMESTAMP,"
                + " day TEXT DEFAULT CURRENT_DATE, tod TEXT DEFAULT (CURRENT_TIME), rnd INTEGER DEFAULT (random()))",
        "CREATE TABLE audit (n INTEGER, at TEXT, jd REAL)",
        "CREATE TRIGGER events_audit AFTER INSERT ON events BEGIN"
                + " INSERT INTO audit VALUES (new.id, CURRENT_TIMESTAMP, julianday('now')); END",
    };

    private final Random random;
    private final List<String> tenants = new ArrayList<>();
    private final boolean[] alive;
    private long clock = T0;
    private long commands;
    private long statements;

    DeterminismWorkload(long seed, int tenantCount) {
        this.random = new Random(seed);
        for (int i = 0; i < tenantCount; i++) tenants.add(String.format("det-%03d", i));
        this.alive = new boolean[tenantCount];
    }

    List<String> tenants() {
        return List.copyOf(tenants);
    }

    long statements() {
        return statements;
    }

    long commands() {
        return commands;
    }

    /** The next command: a tenant that does not exist is created (with its schema) first. */
    List<TenantCommand> next() {
        int i = random.nextInt(tenants.size());
        String tenant = tenants.get(i);
        if (!alive[i]) {
            alive[i] = true;
            return List.of(command(tenant, new CreateTenant(null, new KeySpec("k-" + tenant, "00".repeat(32), List.of("read", "write")), null, List.of())),
                    command(tenant, batch(SCHEMA)));
        }
        if (random.nextInt(400) == 0) {
            alive[i] = false;
            return List.of(command(tenant, new DeleteTenant()));
        }
        int n = 1 + random.nextInt(12);
        String[] sql = new String[n];
        for (int s = 0; s < n; s++) sql[s] = statement();
        if (random.nextInt(25) == 0) sql[random.nextInt(n)] = "INSERT INTO events (id, r) VALUES (1, 1), (1, 2)"; // fails: the batch is rolled back
        return List.of(command(tenant, batch(sql)));
    }

    private String statement() {
        int k = random.nextInt(100);
        int x = random.nextInt(50);
        if (k < 22) return "INSERT INTO events (r, b, note) VALUES (random(), randomblob(" + (1 + x) + "), datetime('now'))";
        if (k < 34) return "INSERT INTO events (r, note) VALUES (" + x + ", date('now') || ' ' || time('now') || ' ' || unixepoch())";
        if (k < 44) return "UPDATE events SET note = strftime('%s','now') || '/' || julianday('now'), r = r + random() % 7 WHERE id % 7 = " + (x % 7);
        if (k < 52) return "DELETE FROM events WHERE id % 13 = " + (x % 13);
        if (k < 60) return "INSERT INTO audit VALUES (abs(random()) % 1000, CURRENT_TIMESTAMP, julianday('now'))";
        if (k < 66) return "INSERT INTO audit (n, at) VALUES (" + x + ", CURRENT_DATE || 'T' || CURRENT_TIME)";
        if (k < 70) return "DELETE FROM audit WHERE n % 5 = " + (x % 5);
        if (k < 74) return "CREATE TABLE IF NOT EXISTS extra_" + (x % 4) + " (x INTEGER, at TEXT DEFAULT CURRENT_TIMESTAMP)";
        if (k < 77) return "ALTER TABLE extra_" + (x % 4) + " ADD COLUMN c" + x + " TEXT DEFAULT 'v'"; // fails when absent or present
        if (k < 81) return "INSERT INTO extra_" + (x % 4) + " (x) VALUES (random())"; // fails when the table is absent
        if (k < 83) return "DROP TABLE IF EXISTS extra_" + (x % 4);
        if (k < 86) return "CREATE INDEX IF NOT EXISTS events_r_" + (x % 3) + " ON events (r)";
        if (k < 88) return "DROP INDEX IF EXISTS events_r_" + (x % 3);
        if (k < 92) return "SELECT count(*), max(id), hex(randomblob(4)) FROM events";
        if (k < 96) return "UPDATE events SET b = randomblob(" + (x % 16) + ") WHERE id = (SELECT max(id) FROM events)";
        return "INSERT INTO events (r, note) SELECT r + 1, datetime('now', '+' || r % 30 || ' days') FROM events WHERE id % 17 = " + (x % 17);
    }

    private ExecuteBatch batch(String... sql) {
        statements += sql.length;
        return new ExecuteBatch(Arrays.stream(sql).map(s -> new Statement(s, List.of(), Map.of())).toList(), null);
    }

    private TenantCommand command(String tenant, Object payload) {
        commands++;
        clock += 1 + random.nextInt(500);
        return TenantCommand.newBuilder().setCommandId("det-" + commands).setTenant(tenant).setIngressTimeMs(clock)
                .setSeed(random.nextLong()).setIdempotencyKey(null).setPayload(payload).build();
    }
}
