package io.cairn.tenantdb.sql;

import io.cairn.topics.ErrorCode;
import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteUpdateListener;

/**
 * Keeps rowid {@value Long#MAX_VALUE} out of tenant tables. Once a table holds the largest rowid, SQLite gives
 * each new row without one a <em>random</em> rowid (from its own generator, which the record's seed does not
 * reach), so the primary, the replicas and a rebuild would each store different rowids for the same record.
 * A write that stores that rowid is refused ({@code nondeterministic}) instead; imports are checked for it
 * where they are read.
 *
 * <p>{@link #install} registers SQLite's update hook on one connection: every row a statement inserts or
 * updates is reported, in any table (shadow tables of virtual ones too). Like its connection, one thread at a
 * time: {@link #clear} before a statement, {@link #check} after it.
 */
public final class LargestRowidWatch implements SQLiteUpdateListener {
    private boolean seen;
    private String table;

    private LargestRowidWatch() {}

    public static LargestRowidWatch install(Connection c) throws SQLException {
        LargestRowidWatch w = new LargestRowidWatch();
        c.unwrap(SQLiteConnection.class).addUpdateListener(w);
        return w;
    }

    @Override
    public void onUpdate(Type type, String database, String table, long rowId) {
        if (rowId == Long.MAX_VALUE && type != Type.DELETE && !seen) {
            this.seen = true;
            this.table = table;
        }
    }

    public void clear() {
        seen = false;
        table = null;
    }

    /** Refuses the statement that ran since {@link #clear} if it stored the largest rowid. */
    public void check() throws SqlRefusal {
        if (!seen) return;
        String where = table;
        clear();
        throw new SqlRefusal(ErrorCode.NONDETERMINISTIC, "rowid " + Long.MAX_VALUE + " (in " + where + ") is the largest SQLite has:"
                + " after it, SQLite gives new rows random rowids, which a replay could not repeat; use smaller ids");
    }
}
