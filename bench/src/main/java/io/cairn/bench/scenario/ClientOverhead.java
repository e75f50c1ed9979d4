package io.cairn.bench.scenario;

import io.cairn.bench.load.CairnClient;
import io.cairn.bench.load.ClosedLoop;
import io.cairn.bench.load.Latency;
import io.cairn.client.Cairn;
import io.cairn.client.Database;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * What the Java client (clients/java) adds to a request: the hot read's primary-key lookups and single
 * writes made through it, beside the same requests made raw (the bench's own minimal HTTP client), same
 * tenant, same clients, same run length.
 */
public final class ClientOverhead {
    /** Reads and writes through the client, and raw (writes with an Idempotency-Key each, as the client sends, and without). */
    public record Result(Latency clientReads, Latency rawReads, Latency clientWrites, Latency rawWrites, Latency rawWritesWithoutKey) {}

    private ClientOverhead() {}

    /** Run after {@link HotRead#fill}: reads look up its rows, writes go to a table of their own. */
    public static Result measure(CairnClient raw, int port, String tenant, String key, int clients, Duration warmUp, Duration run)
            throws Exception {
        try (Cairn cairn = Cairn.builder().url("http://127.0.0.1:" + port).token(key).build()) {
            Database db = cairn.database(tenant);
            db.execute("CREATE TABLE IF NOT EXISTS overhead (id INTEGER PRIMARY KEY, v TEXT)");
            ClosedLoop.forDuration(clients, warmUp, seq -> clientRead(db, seq));
            Latency clientReads = ClosedLoop.forDuration(clients, run, seq -> clientRead(db, seq));
            Latency rawReads = ClosedLoop.forDuration(clients, run, seq -> HotRead.lookup(raw, tenant, key, seq));
            // Both write paths warmed like the reads: the first one measured would otherwise pay for the JIT.
            ClosedLoop.forDuration(clients, warmUp, seq -> db.execute("INSERT INTO overhead (v) VALUES (?)", "w" + seq));
            ClosedLoop.forDuration(clients, warmUp, seq -> raw.executeKeyed(tenant, key,
                    "{\"sql\":\"INSERT INTO overhead (v) VALUES (?)\",\"params\":[\"x" + seq + "\"]}", java.util.UUID.randomUUID().toString()));
            Latency clientWrites = ClosedLoop.forDuration(clients, run, seq -> db.execute("INSERT INTO overhead (v) VALUES (?)", "c" + seq));
            Latency rawWrites = ClosedLoop.forDuration(clients, run, seq -> raw.executeKeyed(tenant, key,
                    "{\"sql\":\"INSERT INTO overhead (v) VALUES (?)\",\"params\":[\"r" + seq + "\"]}", java.util.UUID.randomUUID().toString()));
            Latency rawWithoutKey = ClosedLoop.forDuration(clients, run,
                    seq -> raw.execute(tenant, key, "{\"sql\":\"INSERT INTO overhead (v) VALUES (?)\",\"params\":[\"n" + seq + "\"]}"));
            return new Result(clientReads, rawReads, clientWrites, rawWrites, rawWithoutKey);
        }
    }

    private static void clientRead(Database db, long seq) {
        long id = 1 + new SplittableRandom(seq).nextInt(1_000);
        if (db.query("SELECT v FROM kv WHERE id = ?", id).rows().size() != 1) throw new IllegalStateException("row " + id + " missing");
    }
}
