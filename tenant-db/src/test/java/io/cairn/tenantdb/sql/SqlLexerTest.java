package io.cairn.tenantdb.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sql.Token.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlLexerTest {

    private static List<Token> significant(String sql) throws SqlRefusal {
        return SqlLexer.tokenize(sql).stream().filter(t -> !t.insignificant()).toList();
    }

    private static List<Kind> kinds(String sql) throws SqlRefusal {
        return significant(sql).stream().map(Token::kind).toList();
    }

    private static List<String> texts(String sql) throws SqlRefusal {
        return significant(sql).stream().map(Token::text).toList();
    }

    @Test
    void tokensConcatenateToTheOriginalText() throws SqlRefusal {
        String sql = "SELECT \"a\"\"b\", [x y], `q`, 'it''s', X'00ff', 1_000.5e-3, 0x1F /* c */ -- d\n FROM t;";
        assertThat(String.join("", SqlLexer.tokenize(sql).stream().map(Token::text).toList())).isEqualTo(sql);
    }

    @Test
    void quotedIdentifiersAndStringsAreSingleTokens() throws SqlRefusal {
        assertThat(kinds("\"a;b\" `c--d` [e/*f] 'g''h'"))
                .containsExactly(Kind.QUOTED_ID, Kind.QUOTED_ID, Kind.QUOTED_ID, Kind.STRING);
        assertThat(significant("\"a\"\"b\"").get(0).identifier()).isEqualTo("a\"b");
        assertThat(significant("'g''h'").get(0).stringValue()).isEqualTo("g'h");
    }

    @Test
    void numbersIncludeHexExponentsAndDigitSeparators() throws SqlRefusal {
        assertThat(texts("1 1.5 .5 1. 1e10 1E+3 2.5e-3 0x1F 0XaB 1_000 0x1_F"))
                .containsExactly("1", "1.5", ".5", "1.", "1e10", "1E+3", "2.5e-3", "0x1F", "0XaB", "1_000", "0x1_F");
    }

    @Test
    void parametersOfEveryForm() throws SqlRefusal {
        assertThat(texts("? ?12 :name @name $name #name $a::b(c)"))
                .containsExactly("?", "?12", ":name", "@name", "$name", "#name", "$a::b(c)");
        assertThat(kinds("?1")).containsExactly(Kind.PARAM);
    }

    @Test
    void operatorsAreCutAsSqliteCutsThem() throws SqlRefusal {
        assertThat(texts("a->>b->c||d<=e<>f<<g>=h>>i==j!=k")).containsExactly(
                "a", "->>", "b", "->", "c", "||", "d", "<=", "e", "<>", "f", "<<", "g", ">=", "h", ">>", "i", "==", "j", "!=", "k");
    }

    @Test
    void commentsHideEverythingInsideThem() throws SqlRefusal {
        assertThat(texts("SELECT 1 -- ; ATTACH\n/* PRAGMA; */ ;")).containsExactly("SELECT", "1", ";");
    }

    @Test
    void blobLiteralIsOneToken() throws SqlRefusal {
        assertThat(kinds("x'0A1b' X''")).containsExactly(Kind.BLOB, Kind.BLOB);
    }

    @Test
    void refusesUnterminatedString() {
        assertThatThrownBy(() -> SqlLexer.tokenize("SELECT 'abc")).satisfies(t -> org.assertj.core.api.Assertions.assertThat(((SqlRefusal) t).code().wire()).isEqualTo("sql_error"))
                .hasMessageContaining("unterminated string");
    }

    @Test
    void refusesUnterminatedQuotedIdentifiers() {
        for (String sql : List.of("SELECT \"abc", "SELECT `abc", "SELECT [abc")) {
            assertThatThrownBy(() -> SqlLexer.tokenize(sql)).as(sql).satisfies(t -> org.assertj.core.api.Assertions.assertThat(((SqlRefusal) t).code().wire()).isEqualTo("sql_error"));
        }
    }

    @Test
    void refusesUnterminatedBlockComment() {
        assertThatThrownBy(() -> SqlLexer.tokenize("SELECT 1 /* ATTACH")).satisfies(t -> org.assertj.core.api.Assertions.assertThat(((SqlRefusal) t).code().wire()).isEqualTo("sql_error"))
                .hasMessageContaining("comment");
    }

    @Test
    void refusesWhatSqliteCannotTokenize() {
        for (String sql : List.of("SELECT 1abc", "SELECT 1e", "SELECT X'abc'", "SELECT X'zz'", "SELECT 1__0", "SELECT 1_", "SELECT !",
                "SELECT \\", "SELECT :", "SELECT @", "SELECT 1\0; ATTACH 'x' AS y")) {
            assertThatThrownBy(() -> SqlLexer.tokenize(sql)).as(sql).satisfies(t -> org.assertj.core.api.Assertions.assertThat(((SqlRefusal) t).code().wire()).isEqualTo("sql_error"));
        }
    }

    @Test
    void nonAsciiCharactersArePartOfIdentifiers() throws SqlRefusal {
        assertThat(texts("SELECT café\u00a0x FROM t")).containsExactly("SELECT", "café\u00a0x", "FROM", "t");
    }
}
