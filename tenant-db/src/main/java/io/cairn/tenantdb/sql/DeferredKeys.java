package io.cairn.tenantdb.sql;

import io.cairn.topics.ErrorCode;
import java.util.List;

/**
 * Foreign keys declared {@code DEFERRABLE INITIALLY DEFERRED} are refused ({@code forbidden_statement}). SQLite
 * checks a deferred key when the outermost transaction commits, not when a savepoint is released; the applier
 * commits several records of a partition at once, each in its own savepoint, so a write that broke a deferred key
 * made the whole group's commit fail, again on every retry: one tenant's write stopped the writes of every tenant
 * of the partition, and with them the applier's thread. An immediate key (the default, and {@code DEFERRABLE
 * INITIALLY IMMEDIATE}, {@code NOT DEFERRABLE ...}) is checked by each statement, and its failure is the write's.
 */
final class DeferredKeys {
    private DeferredKeys() {}

    /** Refuses a deferred foreign key in a CREATE TABLE or ALTER TABLE. */
    static void check(List<Token> st) throws SqlRefusal {
        if (st.size() < 2 || !(st.get(0).isWord("create") || st.get(0).isWord("alter"))) return;
        for (int i = 2; i + 2 < st.size(); i++) {
            if (st.get(i).isWord("deferrable") && st.get(i + 1).isWord("initially") && st.get(i + 2).isWord("deferred")
                    && !st.get(i - 1).isWord("not")) {
                throw new SqlRefusal(ErrorCode.FORBIDDEN_STATEMENT, "DEFERRABLE INITIALLY DEFERRED is not supported: each write is"
                        + " checked when it ends, statement by statement, so declare the foreign key immediate (leave out"
                        + " DEFERRABLE INITIALLY DEFERRED) and write parents before their children");
            }
        }
    }
}
