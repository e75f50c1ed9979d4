package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlSyntaxTest {
    @Test
    void statementsThatNameWhatAnEmptyDatabaseLacksParse() throws Exception {
        assertThat(SqlSyntax.firstProblem(List.of("INSERT INTO kv (v) VALUES (?)", "SELECT nope(1) FROM t", "UPDATE t SET a = 1"))).isNull();
    }

    @Test
    void theFirstTextTheParserRefusesIsNamedByItsIndex() throws Exception {
        List<String> batch = new ArrayList<>(Collections.nCopies(50, "INSERT INTO kv (v) VALUES (?)"));
        batch.add("SELEC 1");
        batch.add("CREATE TABL t (a)");
        SqlSyntax.Problem p = SqlSyntax.firstProblem(batch);
        assertThat(p.index()).isEqualTo(50);
        assertThat(p.message()).isEqualTo("near \"SELEC\": syntax error");
    }

    @Test
    void aTextThatParsedBeforeOrEarlierInTheBatchIsNotAskedAgainAndARefusedOneAlwaysIs() throws Exception {
        String good = "INSERT INTO kv (v) VALUES ('" + System.nanoTime() + "')";
        assertThat(SqlSyntax.firstProblem(List.of(good))).isNull();
        assertThat(SqlSyntax.firstProblem(List.of(good, good, "SELECT 1 +"))).isEqualTo(new SqlSyntax.Problem(2, "incomplete input"));
        // A refusal is never kept as parsed: the same text is refused again, wherever it stands.
        assertThat(SqlSyntax.firstProblem(List.of("SELECT 1 +", good))).isEqualTo(new SqlSyntax.Problem(0, "incomplete input"));
        assertThat(SqlSyntax.firstProblem(List.of(good, "SELECT 1 +"))).isEqualTo(new SqlSyntax.Problem(1, "incomplete input"));
    }
}
