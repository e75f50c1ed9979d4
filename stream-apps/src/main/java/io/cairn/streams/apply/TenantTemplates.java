package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.SqliteLimits;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.tenantdb.sqlite.TenantSchema;
import io.cairn.topics.avro.ApplyMigration;
import io.cairn.topics.avro.CreateTenant;
import io.cairn.topics.avro.MigrationVersion;
import io.cairn.topics.avro.TenantCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prepared template files: a migration set's versions applied once to an empty tenant file, kept in
 * memory, and written as the file of each tenant created from that template ({@code CreateTenant} with
 * {@code template_versions}), instead of running every version again per tenant.
 *
 * <p>A template is shared only when that gives exactly what running its versions in the creation would:
 * its statements succeed on an empty file and never read the clock or a random value (the record's time
 * and seed are the only inputs that differ between tenants; SQL cannot see Cairn's own rows). Otherwise it
 * is <em>not shareable</em>, and each creation runs the versions itself, as a migration does. Either way a
 * replay reaches the same content. The file holds Cairn's tables and the versions' rows in
 * {@code _cairn_migrations} (run {@code template}, applied at time 0); the creation dates them.
 *
 * <p>Keyed by set, target version and the versions' checksums; at most {@link #KEPT} templates of up to
 * {@link #MAX_FILE_BYTES} each are kept (the least recently used goes; a bigger one is not shareable).
 * Thread-safe: the stream threads and the heavy lane share one; a template is prepared once.
 */
final class TenantTemplates {
    /** The run id a template's versions are recorded under. */
    static final String RUN = "template";
    static final int KEPT = 16;
    static final long MAX_FILE_BYTES = 32L << 20;

    /** A prepared template: its file, or null when it cannot be shared (then {@code why} says so). */
    private record Prepared(byte[] file, String why) {}

    /** One lock per template ever prepared here (a handful: templates are registered sets). */
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, Prepared> kept = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Prepared> eldest) {
            return size() > KEPT;
        }
    };

    /** True when {@code c} creates its tenant from a template (records before templates were one record carry no versions). */
    static boolean fromTemplate(CreateTenant c) {
        return c.getTemplate() != null && !c.getTemplateVersions().isEmpty();
    }

    /** The ApplyMigration a creation from a template amounts to: every version of the set up to the last one it carries. */
    static ApplyMigration migration(CreateTenant c) {
        List<MigrationVersion> versions = c.getTemplateVersions();
        return ApplyMigration.newBuilder().setMigrationId(RUN).setSet(c.getTemplate()).setVersion(versions.getLast().getVersion())
                .setSteps(List.of()).setVersions(versions).build();
    }

    /** The prepared file for {@code c}'s template; null when it is not prepared yet or cannot be shared. Never prepares. */
    byte[] prepared(CreateTenant c) {
        Prepared p;
        synchronized (kept) {
            p = kept.get(key(c));
        }
        return p == null ? null : p.file();
    }

    /**
     * The file for {@code c}'s template, preparing it first if needed (a scratch file under the hot
     * volume, removed after); null when the template cannot be shared.
     */
    byte[] prepare(CreateTenant c, TenantFiles files, SqliteLimits limits, MigrationApplier migrations) throws SQLException {
        String key = key(c);
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            Prepared p;
            synchronized (kept) {
                p = kept.get(key);
            }
            if (p == null) {
                p = build(c, files, limits, migrations);
                synchronized (kept) {
                    kept.put(key, p);
                }
            }
            return p.file();
        }
    }

    private static Prepared build(CreateTenant c, TenantFiles files, SqliteLimits limits, MigrationApplier migrations) throws SQLException {
        Path scratch = files.scratchDir(RUN).resolveSibling(RUN + "-" + System.nanoTime() + ".db");
        try {
            Files.createDirectories(scratch.getParent());
            Prepared p;
            try (TenantDatabase db = TenantDatabase.open(RUN, scratch, limits)) {
                db.beginIfNeeded();
                TenantSchema.create(db.connection());
                TenantCommand at0 = TenantCommand.newBuilder().setCommandId(RUN).setTenant(RUN).setIngressTimeMs(0).setSeed(0)
                        .setPayload(c).build();
                Outcome ran;
                try {
                    ran = migrations.apply(db, at0, migration(c), Budget.FULL);
                } catch (BatchExecutor.NeedsFullBudget cannot) {
                    throw new IllegalStateException("the full budget asked for more", cannot);
                }
                if (ran instanceof Outcome.Failed f) {
                    p = new Prepared(null, "version failed on an empty file: " + f.message());
                } else if (db.clock.consulted()) {
                    p = new Prepared(null, "its SQL reads the clock or random values, which differ per tenant");
                } else {
                    db.commit();
                    p = null;
                }
                if (p != null) db.rollback();
            }
            if (p != null) return p;
            if (Files.size(scratch) > MAX_FILE_BYTES) return new Prepared(null, "larger than " + MAX_FILE_BYTES + " bytes");
            return new Prepared(Files.readAllBytes(scratch), null);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare template '" + c.getTemplate() + "'", e);
        } finally {
            for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
                try {
                    Files.deleteIfExists(scratch.resolveSibling(scratch.getFileName() + suffix));
                } catch (IOException ignored) {
                    // Scratch left behind is removed with the volume's other old scratch (TenantFiles).
                }
            }
        }
    }

    /** Set, target version and a digest of every version's checksum: versions never change, but a key cannot mistake one for another. */
    private static String key(CreateTenant c) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (MigrationVersion v : c.getTemplateVersions()) {
                sha.update((v.getVersion() + ":" + v.getChecksum() + ";").getBytes(StandardCharsets.UTF_8));
            }
            return c.getTemplate() + "@" + c.getTemplateVersions().getLast().getVersion() + "#" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
