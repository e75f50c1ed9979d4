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

    /** The name the blank file's failures are reported under. */
    private static final String BLANK = "(blank)";
    private final Object blankLock = new Object();
    private volatile byte[] blank;

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

    /**
     * The file every plain creation starts from: Cairn's tables and nothing else, prepared once (under the hot
     * volume, like a template). A creation then writes these bytes instead of making a new file: SQLite's
     * switch of a new file to WAL and the nine tables of {@link TenantSchema#CREATE} cost the stream thread
     * more than the whole rest of the file's open. The creation still runs {@link TenantSchema#create} (each
     * {@code IF NOT EXISTS} finds its table), so the content is exactly what the DDL alone would have made.
     */
    byte[] blank(TenantFiles files, SqliteLimits limits) throws SQLException {
        byte[] have = blank;
        if (have != null) return have;
        synchronized (blankLock) {
            if (blank == null) {
                blank = inScratch(files, limits, BLANK, db -> {
                    db.beginIfNeeded();
                    TenantSchema.create(db.connection());
                    db.commit();
                    return true;
                });
            }
            return blank;
        }
    }

    /** Whether the blank file is prepared (by the first plain creation). */
    boolean blankPrepared() {
        return blank != null;
    }

    private static Prepared build(CreateTenant c, TenantFiles files, SqliteLimits limits, MigrationApplier migrations) throws SQLException {
        String[] why = new String[1];
        byte[] file = inScratch(files, limits, c.getTemplate(), db -> {
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
                why[0] = "version failed on an empty file: " + f.message();
            } else if (db.clock.consulted()) {
                why[0] = "its SQL reads the clock or random values, which differ per tenant";
            } else {
                db.commit();
                return true;
            }
            db.rollback();
            return false;
        });
        if (file != null) return new Prepared(file, null);
        return new Prepared(null, why[0] != null ? why[0] : "larger than " + MAX_FILE_BYTES + " bytes");
    }

    /** What is done to a scratch tenant file; true to keep what it committed. */
    @FunctionalInterface
    private interface ScratchWork {
        boolean run(TenantDatabase db) throws SQLException;
    }

    /**
     * Runs {@code work} on a new scratch file under the hot volume (removed after) and returns the file's bytes
     * once closed; null when {@code work} said not to keep it, or the file grew past {@link #MAX_FILE_BYTES}.
     */
    private static byte[] inScratch(TenantFiles files, SqliteLimits limits, String what, ScratchWork work) throws SQLException {
        Path scratch = files.scratchDir(RUN).resolveSibling(RUN + "-" + System.nanoTime() + ".db");
        try {
            Files.createDirectories(scratch.getParent());
            boolean keep;
            try (TenantDatabase db = TenantDatabase.open(RUN, scratch, limits)) {
                keep = work.run(db);
            }
            if (!keep || Files.size(scratch) > MAX_FILE_BYTES) return null;
            return Files.readAllBytes(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the template file '" + what + "'", e);
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
