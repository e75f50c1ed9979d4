package io.cairn.client;

import java.util.ArrayList;
import java.util.List;

/**
 * Read-your-writes over one tenant: the session keeps the newest bookmark it saw (of its writes and its
 * reads), and every read waits until the tenant's copy applied at least that far. Bookmarks only move
 * forward. {@link #transact} runs serializable read-modify-write transactions: reads, then writes sent at
 * the end as one batch applied only if nothing was written after the first read, retried on conflict.
 * Thread-safe.
 */
public final class Session {
    private final Database db;
    private String bookmark;

    Session(Database db) {
        this.db = db;
    }

    /** The newest bookmark this session saw; null before its first request. */
    public synchronized String bookmark() {
        return bookmark;
    }

    /** Moves the session's bookmark forward to {@code b} (never back). */
    public synchronized void advance(String b) {
        if (b != null && (bookmark == null || offset(b) > offset(bookmark))) bookmark = b;
    }

    public ExecuteResult execute(String sql, Object... params) {
        return execute(List.of(Statement.of(sql, params)));
    }

    /** One statement (positional or named parameters) as its own transaction. */
    public ExecuteResult execute(Statement statement) {
        return execute(List.of(statement));
    }

    public ExecuteResult execute(List<Statement> statements) {
        ExecuteResult r = db.execute(statements);
        advance(r.bookmark());
        return r;
    }

    /** Applied only if nothing was written after {@code since}; see {@link Database#execute(List, String, String)}. */
    public ExecuteResult executeIfUnchangedSince(String since, List<Statement> statements) {
        try {
            ExecuteResult r = db.execute(statements, null, since);
            advance(r.bookmark());
            return r;
        } catch (ConflictException e) {
            advance(e.bookmark());
            throw e;
        }
    }

    public QueryResult query(String sql, Object... params) {
        return query(Statement.of(sql, params));
    }

    /** A read (positional or named parameters) once the tenant's copy applied this session's bookmark. */
    public QueryResult query(Statement statement) {
        QueryResult r = db.query(statement, bookmark());
        advance(r.bookmark());
        return r;
    }

    /** What a transaction body does: reads through {@code tx}, writes buffered in it. */
    @FunctionalInterface
    public interface Body<T> {
        T run(Transaction tx);
    }

    /**
     * Runs {@code body} as a serializable transaction: its reads see the session's writes; its writes are
     * sent together when it returns, applied only if no write reached the tenant after its first read (without
     * reads, as they are: nothing it read can be stale). On a conflict it runs again, up to {@code attempts} times,
     * then throws the {@link ConflictException}.
     */
    public <T> T transact(int attempts, Body<T> body) {
        for (int attempt = 1; ; attempt++) {
            Transaction tx = new Transaction();
            T result = body.run(tx);
            if (tx.writes.isEmpty()) return result;
            try {
                if (tx.base != null) executeIfUnchangedSince(tx.base, tx.writes);
                else execute(tx.writes);
                return result;
            } catch (ConflictException e) {
                if (attempt >= attempts) throw e;
            }
        }
    }

    /** One run of a transaction body: its reads and its buffered writes. */
    public final class Transaction {
        private final List<Statement> writes = new ArrayList<>();
        private String base;

        public QueryResult query(String sql, Object... params) {
            return query(Statement.of(sql, params));
        }

        public QueryResult query(Statement statement) {
            QueryResult r = Session.this.query(statement);
            if (base == null || offset(r.bookmark()) < offset(base)) base = r.bookmark();
            return r;
        }

        /** Buffers a write: sent with the others when the body returns. */
        public void execute(String sql, Object... params) {
            execute(Statement.of(sql, params));
        }

        /** Buffers a write (positional or named parameters): sent with the others when the body returns. */
        public void execute(Statement statement) {
            writes.add(statement);
        }
    }

    static long offset(String bookmark) {
        return Long.parseLong(bookmark.substring(bookmark.indexOf(':') + 1));
    }
}
