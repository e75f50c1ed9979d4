package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tenantdb.sql.SchemaSize;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.avro.Statement;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's schema holds at most {@link SchemaSize#MAX_BYTES} of CREATE text: SQLite parses all of it at each open and
 * after each change, on the thread every tenant of the partition shares (a 48 MB schema of triggers held their writes 5 s).
 */
class SchemaLimitTest {
    @TempDir Path dir;

    @Test
    void aSchemaChangePastTheLimitFailsAloneAndRoomMadeByADropIsUsedAgain() throws Exception {
        BatchExecutor batches = new BatchExecutor(1_000);
        String literal = "x".repeat(90_000);
        try (TenantDatabase db = TenantDatabase.open("acme", dir.resolve("acme.db"), SqliteLimits.WRITE_DEFAULTS)) {
            TenantSchema.create(db.connection());
            int made = 0;
            Outcome last;
            while ((last = apply(batches, db, sql("CREATE TABLE t" + made + " (a CHECK (a <> '" + literal + "'))"))) instanceof Outcome.Applied) {
                made++;
            }
            assertThat(made).as("2 MiB of 90 KB tables").isEqualTo((int) (SchemaSize.MAX_BYTES / 90_000));
            assertThat(last).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
                assertThat(f.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
                assertThat(f.message()).contains("schema").contains("2 MiB");
            });
            assertThat(SchemaSize.bytes(db.connection())).as("the refused table is not kept").isLessThanOrEqualTo(SchemaSize.MAX_BYTES);
            String over = "CREATE TABLE u (a CHECK (a <> '" + "y".repeat((int) (SchemaSize.MAX_BYTES - SchemaSize.bytes(db.connection())) + 1) + "'))";
            assertThat(apply(batches, db, sql(over))).as("nor is one byte more").isInstanceOf(Outcome.Failed.class);
            assertThat(apply(batches, db, sql("INSERT INTO t0 VALUES (1)"))).as("writes go on").isInstanceOf(Outcome.Applied.class);
            assertThat(apply(batches, db, sql("DROP TABLE t1"))).isInstanceOf(Outcome.Applied.class);
            assertThat(apply(batches, db, sql(over))).as("room again").isInstanceOf(Outcome.Applied.class);
        }
    }

    /**
     * A chain of views, each naming the one below twice, beside a virtual table: the level past the limit is refused when
     * it is created, so no write naming the chain, and no reopen of the file, makes SQLite compile it (outside probe: a
     * one-row insert after the fifteenth level held every tenant of the partition for 23 to 160 s).
     */
    @Test
    void aChainOfViewsDoublingAtEachLevelStopsAtTheLimitAndTheTenantWritesOn() throws Exception {
        BatchExecutor batches = new BatchExecutor(1_000);
        try (TenantDatabase db = TenantDatabase.open("acme", dir.resolve("acme.db"), SqliteLimits.WRITE_DEFAULTS)) {
            TenantSchema.create(db.connection());
            StringBuilder cols = new StringBuilder("c0");
            for (int i = 1; i < 100; i++) cols.append(", c").append(i);
            assertThat(apply(batches, db, sql("CREATE VIRTUAL TABLE f USING fts5(body)", "CREATE TABLE r (x)", "CREATE TABLE vb (" + cols + ")",
                    "CREATE VIEW v0 AS SELECT * FROM vb"))).isInstanceOf(Outcome.Applied.class);
            int level = 1;
            Outcome last;
            while ((last = apply(batches, db, sql("CREATE VIEW v" + level + " AS SELECT * FROM v" + (level - 1)
                    + " UNION ALL SELECT * FROM v" + (level - 1)))) instanceof Outcome.Applied) {
                level++;
            }
            assertThat(level).isBetween(7, 10);
            // The CREATE VIEW names the level below twice: past what a statement may name, before the schema's whole limit.
            assertThat(last).isInstanceOfSatisfying(Outcome.Failed.class, f -> assertThat(f.code()).isEqualTo(ErrorCode.STATEMENT_TOO_LONG));
            String top = "v" + (level - 1);
            assertThat(apply(batches, db, sql("INSERT INTO r SELECT count(*) FROM " + top))).isInstanceOf(Outcome.Applied.class);
            assertThat(apply(batches, db, sql("INSERT INTO r SELECT count(*) FROM " + top + " AS a, " + top + " AS b")))
                    .isInstanceOfSatisfying(Outcome.Failed.class, f -> assertThat(f.code()).isEqualTo(ErrorCode.STATEMENT_TOO_LONG));
            assertThat(apply(batches, db, sql("INSERT INTO f VALUES ('still writes')"))).isInstanceOf(Outcome.Applied.class);
        }
    }

    /** As the applier runs a record: in a savepoint, rolled back when the record failed. */
    private static Outcome apply(BatchExecutor batches, TenantDatabase db, List<Statement> statements) throws Exception {
        db.execute("SAVEPOINT cairn_record");
        Outcome o = batches.run(db, statements, Budget.FULL);
        if (o instanceof Outcome.Failed) db.execute("ROLLBACK TO cairn_record");
        db.execute("RELEASE cairn_record");
        return o;
    }

    private static List<Statement> sql(String... sql) {
        return java.util.Arrays.stream(sql).map(s -> Statement.newBuilder().setSql(s).build()).toList();
    }
}
