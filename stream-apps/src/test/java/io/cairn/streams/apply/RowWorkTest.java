package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.avro.Statement;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL whose one row could hold the stream thread past any budget goes to the lane before it runs; an application's
 * writes, wide tables and multi-row inserts stay on the stream thread. The lane applies the same record (outside
 * probe: forty json_patch calls in one row held every tenant's writes 229 s).
 */
class RowWorkTest {
    @TempDir Path dir;

    @Test
    void quadraticCallsAndHeavyRowsGoToTheLane() {
        assertThat(RowWork.leftToLane("INSERT INTO m (v) VALUES (length(json_patch(?1, ?2)))")).isTrue();
        assertThat(RowWork.leftToLane("INSERT INTO m (v) VALUES (length(\"JSON_PATCH\"(?1, ?2)))")).as("a quoted name").isTrue();
        assertThat(RowWork.leftToLane("SELECT " + String.join(" || ", Collections.nCopies(300, "length(?1)")))).isTrue();
        assertThat(RowWork.leftToLane("SELECT json_extract(?1" + ", '$[#-1]'".repeat(300) + ")")).as("arguments weigh").isTrue();
        assertThat(RowWork.leftToLane("SELECT " + String.join(" || ", Collections.nCopies(300, "?1 ->> '$[0]'")))).isTrue();
        assertThat(RowWork.leftToLane("SELECT 1 IN (" + "1, ".repeat(20_000) + "1)")).as("a long text to parse").isTrue();
    }

    @Test
    void anApplicationsWritesStayOnTheStreamThread() {
        assertThat(RowWork.leftToLane("INSERT INTO m (v) VALUES ('json_patch(a, b)') -- json_patch(")).as("in a string or comment").isFalse();
        assertThat(RowWork.leftToLane("UPDATE users SET email = lower(?), updated = datetime('now') WHERE id = ?")).isFalse();
        StringBuilder wide = new StringBuilder("CREATE TABLE IF NOT EXISTS w (id INTEGER PRIMARY KEY");
        for (int i = 0; i < 500; i++) wide.append(", c").append(i).append(" VARCHAR(255) DEFAULT ('x') CHECK (c").append(i).append(" IN ('x', 'y'))");
        assertThat(RowWork.rowUnbounded(wide + ")")).as("a wide table in the schema").isFalse();
        assertThat(RowWork.leftToLane("INSERT INTO t (a, b, c) VALUES " + String.join(", ", Collections.nCopies(500, "(?, ?, ?)")))).isFalse();
        assertThat(RowWork.leftToLane("INSERT INTO t (a, b, c) VALUES " + String.join(", ", Collections.nCopies(4_000, "(?, ?, ?)"))))
                .as("longer than 32 KiB").isTrue();
    }

    @Test
    void aWriteOrASchemaThatRowWorkLeavesToTheLaneIsNotRunUnderTheQuickBudget() throws Exception {
        try (TenantDatabase db = TenantDatabase.open("acme", dir.resolve("acme.db"), SqliteLimits.WRITE_DEFAULTS)) {
            TenantSchema.create(db.connection());
            db.connection().createStatement().execute("CREATE TABLE m (v)");
            BatchExecutor batches = new BatchExecutor(1_000);
            List<Statement> patch = List.of(Statement.newBuilder().setSql("INSERT INTO m VALUES (json_patch('{\"a\":1}', '{\"b\":2}'))").build());
            assertThatThrownBy(() -> batches.run(db, patch, Budget.QUICK)).isInstanceOf(BatchExecutor.NeedsFullBudget.class);
            assertThat(batches.run(db, patch, Budget.FULL)).as("the lane applies it").isInstanceOf(Outcome.Applied.class);

            List<Statement> plain = List.of(Statement.newBuilder().setSql("INSERT INTO m VALUES (1)").build());
            assertThat(batches.run(db, plain, Budget.QUICK)).isInstanceOf(Outcome.Applied.class);
            db.connection().createStatement().execute("CREATE TRIGGER patched AFTER INSERT ON m BEGIN"
                    + " UPDATE m SET v = json_patch('{}', '{}') WHERE rowid = new.rowid AND 0; END");
            assertThatThrownBy(() -> batches.run(db, plain, Budget.QUICK)).as("its trigger runs in the row")
                    .isInstanceOf(BatchExecutor.NeedsFullBudget.class);
        }
    }
}
