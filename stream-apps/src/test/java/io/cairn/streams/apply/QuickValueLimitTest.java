package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.avro.Statement;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the stream thread a value or row holds at most {@link Budget#QUICK_VALUE_BYTES}: one row's expression runs to
 * its end whatever the clock says, and each of its operations costs up to the value it builds (a row of 30 terms
 * building 60 MB each held every tenant's writes 91 s). A record that needs more moves to the lane, where the same
 * record applies with the full limit: the quick budget never decides a verdict.
 */
class QuickValueLimitTest {
    @TempDir Path dir;
    private TenantDatabase db;
    private final BatchExecutor batches = new BatchExecutor(1_000);

    @BeforeEach
    void open() throws Exception {
        db = TenantDatabase.open("acme", dir.resolve("acme.db"), SqliteLimits.WRITE_DEFAULTS);
        TenantSchema.create(db.connection());
        db.connection().createStatement().execute("CREATE TABLE t (v)");
    }

    @AfterEach
    void close() throws Exception {
        db.close();
    }

    private static List<Statement> sql(String s) {
        return List.of(Statement.newBuilder().setSql(s).build());
    }

    @Test
    void aBigValueMovesTheRecordToTheLaneWhichAppliesIt() throws Exception {
        List<Statement> big = sql("INSERT INTO t VALUES (length(upper(printf('%.*c', 300000, 'y'))))");
        assertThatThrownBy(() -> batches.run(db, big, Budget.QUICK)).isInstanceOf(BatchExecutor.NeedsFullBudget.class);
        assertThat(batches.run(db, big, Budget.FULL)).isInstanceOf(Outcome.Applied.class);
        assertThat(batches.run(db, sql("INSERT INTO t VALUES (printf('%.*c', 200000, 'y'))"), Budget.QUICK))
                .as("under the limit: on the stream thread").isInstanceOf(Outcome.Applied.class);
        assertThat(batches.run(db, sql("INSERT INTO t VALUES (zeroblob(70000000))"), Budget.FULL))
                .as("past the full limit, the verdict").isInstanceOfSatisfying(Outcome.Failed.class,
                        f -> assertThat(f.code()).isEqualTo(io.cairn.topics.ErrorCode.VALUE_TOO_LARGE));
    }

    @Test
    void theFullLimitIsBackAfterAQuickRecord() throws Exception {
        assertThat(batches.run(db, sql("INSERT INTO t VALUES (1)"), Budget.QUICK)).isInstanceOf(Outcome.Applied.class);
        assertThat(batches.run(db, sql("INSERT INTO t VALUES (zeroblob(1000000))"), Budget.FULL)).isInstanceOf(Outcome.Applied.class);
        assertThatThrownBy(() -> batches.run(db, sql("SELECT v FROM t WHERE length(v) = 1000000"), Budget.QUICK))
                .as("a stored value past the quick limit, read on the stream thread").isInstanceOf(BatchExecutor.NeedsFullBudget.class);
    }
}
