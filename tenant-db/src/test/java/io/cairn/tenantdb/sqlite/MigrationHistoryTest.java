package io.cairn.tenantdb.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A dump's rows of the migration versions' table are read exactly, and any other INSERT of it is known for one. */
class MigrationHistoryTest {
    private static final String SUM = "a".repeat(64);

    @Test
    void aRowAsADumpWritesItIsReadBackWhateverTheQuotes() {
        for (String name : new String[] {"\"_cairn_migrations\"", "_cairn_migrations"}) {
            MigrationHistory.Row row = MigrationHistory.parseInsert("INSERT INTO " + name + " VALUES('app',2,'" + SUM + "','run-1',1700000000000);")
                    .orElseThrow();
            assertThat(row).isEqualTo(new MigrationHistory.Row("app", 2, SUM, "run-1", 1700000000000L));
        }
    }

    /** A malformed row in the quoted form a dump writes was not taken for a row of the table (outside probe: reserved_name). */
    @Test
    void aMalformedRowIsStillAnInsertOfTheTableQuotedOrNot() {
        assertThat(MigrationHistory.parseInsert("INSERT INTO \"_cairn_migrations\" VALUES('app',2,'deadbeef','run-1',1)")).isEmpty();
        assertThat(MigrationHistory.isInsert("INSERT INTO \"_cairn_migrations\" VALUES('app',2,'deadbeef','run-1',1)")).isTrue();
        assertThat(MigrationHistory.isInsert("insert into _cairn_migrations(set_name) VALUES('x')")).isTrue();
        assertThat(MigrationHistory.isInsert("INSERT INTO _cairn_migrations_mine VALUES(1)")).isFalse();
    }
}
