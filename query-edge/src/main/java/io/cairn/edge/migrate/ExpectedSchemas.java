package io.cairn.edge.migrate;

import io.cairn.tenantdb.sql.DeterministicFunctions;
import io.cairn.tenantdb.sql.SqlRefusal;
import io.cairn.tenantdb.sql.StatementPolicy;
import io.cairn.tenantdb.sqlite.SchemaDigest;
import io.cairn.tenantdb.sqlite.SqliteConnections;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantConnection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The schema a migration set's versions build, version by version, on an empty database: what the drift check
 * compares tenants with. Before, the expected schema was the one most tenants at a version had, so with a tie or
 * a version held by a single tenant the hand-changed tenant could be the expected one and the untouched ones
 * drifted. A version whose statements fail on an empty database (one that needs a table made outside the set)
 * has no expected schema here, nor have the versions after it.
 */
public final class ExpectedSchemas {
    /** Each statement's time on the empty database; the statements were checked by the SQL policy when registered. */
    private static final SqliteLimits LIMITS = SqliteLimits.WRITE_DEFAULTS.withStatementTimeout(java.time.Duration.ofSeconds(2));
    /** Per set, the checksums of the versions the hashes were computed for, and those hashes. */
    private final Map<String, Computed> computed = new ConcurrentHashMap<>();

    private record Computed(List<String> checksums, Map<Integer, String> hashes) {}

    /** Version to the hash of the schema versions 1 to it build (0: the empty schema); a version missing has none (see above). */
    public Map<Integer, String> of(String set, List<MigrationCatalog.Version> versions) {
        List<String> checksums = versions.stream().map(MigrationCatalog.Version::checksum).toList();
        Computed known = computed.get(set);
        if (known != null && known.checksums().equals(checksums)) return known.hashes();
        Map<Integer, String> hashes = build(versions);
        computed.put(set, new Computed(checksums, hashes));
        return hashes;
    }

    /** Where a version failed on what the set's earlier versions build: its statement (from 0) and SQLite's message. */
    public record Failure(int statement, String message) {}

    /**
     * Whether {@code statements}, as the version after {@code versions}, fail on what those build on an empty database
     * in a way no tenant at that version can escape: an error about the set's own schema ({@code duplicate column name},
     * {@code already exists}, ...). Empty when they run there, when the earlier versions do not build from empty (the set
     * needs tables made outside it), or when the failure names something missing ({@code no such table}, {@code has no
     * column named}), which a tenant may have made outside the set.
     */
    public static java.util.Optional<Failure> certainFailure(List<MigrationCatalog.Version> versions, List<String> statements) {
        try (TenantConnection c = SqliteConnections.openInMemory(LIMITS)) {
            DeterministicFunctions.install(c.connection()).set(0, 0);
            for (MigrationCatalog.Version v : versions) {
                for (String sql : v.statements()) run(c, sql);
            }
            for (int i = 0; i < statements.size(); i++) {
                try {
                    run(c, statements.get(i));
                } catch (SQLException e) {
                    String message = io.cairn.tenantdb.sqlite.SqliteErrors.message(e);
                    boolean aboutSchema = (e.getErrorCode() & 0xff) == org.sqlite.SQLiteErrorCode.SQLITE_ERROR.code
                            && !message.contains("no such ") && !message.contains("has no column named");
                    return aboutSchema ? java.util.Optional.of(new Failure(i, message)) : java.util.Optional.empty();
                }
            }
        } catch (SQLException | SqlRefusal | RuntimeException e) {
            // The earlier versions do not build from empty: nothing certain can be said.
        }
        return java.util.Optional.empty();
    }

    private static void run(TenantConnection c, String sql) throws SQLException, SqlRefusal {
        c.startClock();
        try (var st = c.connection().createStatement()) {
            st.execute(StatementPolicy.checkWrite(sql).sql());
        } finally {
            c.deadline().clear();
        }
    }

    private static Map<Integer, String> build(List<MigrationCatalog.Version> versions) {
        Map<Integer, String> hashes = new TreeMap<>();
        try (TenantConnection c = SqliteConnections.openInMemory(LIMITS)) {
            DeterministicFunctions.install(c.connection()).set(0, 0);
            hashes.put(0, SchemaDigest.of(c.connection())); // version 0: none of the set's objects
            for (MigrationCatalog.Version v : versions) {
                // As the applier runs them: the policy's rewrite of the clock keywords (DEFAULT CURRENT_TIMESTAMP is
                // stored as the record's time), else every tenant made by the set differs from what it builds.
                for (String sql : v.statements()) run(c, sql);
                hashes.put(v.version(), SchemaDigest.of(c.connection()));
            }
        } catch (SQLException | SqlRefusal | RuntimeException e) {
            // This version and the ones after it have no expected schema: the drift check says so for them.
        }
        return Map.copyOf(hashes);
    }
}
