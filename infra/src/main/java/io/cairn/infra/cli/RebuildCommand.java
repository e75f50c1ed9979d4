package io.cairn.infra.cli;

import io.cairn.connectors.s3.S3Clients;
import io.cairn.connectors.s3.S3SnapshotConfig;
import io.cairn.connectors.s3.S3SnapshotStore;
import io.cairn.connectors.snapshot.SnapshotStore;
import io.cairn.devstack.EmbeddedS3;
import io.cairn.infra.config.DevPorts;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.infra.config.EncryptionSettings;
import io.cairn.infra.config.SnapshotSettings;
import io.cairn.tenantdb.sqlite.TenantFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import software.amazon.awssdk.services.s3.S3Client;
import io.cairn.infra.config.CairnConfig;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.devstack.EmbeddedKafka;
import io.cairn.streams.apply.ApplierConfig;
import io.cairn.streams.apply.LogReplay;
import io.cairn.streams.apply.ErasedContentException;
import io.cairn.streams.apply.RecordsRemovedException;
import io.cairn.streams.apply.ReplayProgress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import io.cairn.tenantdb.sqlite.ScratchSpace;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn rebuild}: re-creates tenant databases from the log alone, into a fresh directory laid out
 * like a hot volume (nothing of the live one is touched). Kafka is found, in order: {@code --bootstrap};
 * the {@code --config} file's {@code kafka} section; the broker of {@code ./cairn dev} over
 * {@code --data-dir} (its ports are kept in {@code <data-dir>/kafka/ports.properties}), which this command
 * starts itself, on the same log directory, when {@code cairn dev} is not running. Snapshots come from
 * the config's {@code snapshots} bucket, or dev's s3proxy (started over {@code <data-dir>/s3} likewise):
 * each tenant starts from its newest verified snapshot and only the records after it are applied. With
 * snapshots, a log shortened by retention rebuilds every tenant its snapshots still cover; the others
 * are named and the command exits 3. Sealed records and snapshots are opened with the config's
 * {@code encryption} keys, or dev's key file and vault in {@code --data-dir}.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Re-create tenants' databases by replaying cairn.tenant-log into a fresh directory.")
public final class RebuildCommand implements Callable<Integer> {
    @Option(names = "--tenant", description = "Rebuild only this tenant (default: every tenant).")
    String tenant;

    @Option(names = "--data-dir", defaultValue = "${env:CAIRN_DATA_DIR:-.cairn}",
            description = "The data dir of ./cairn dev (env CAIRN_DATA_DIR). Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--config", description = "The YAML of ./cairn serve: Kafka settings and data_dir come from it.")
    Path configFile;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (host:port), overriding the other sources.")
    String bootstrap;

    @Option(names = "--no-snapshots", description = "Replay every record from the log's start, starting no tenant from a snapshot"
            + " (imports are still read from the snapshot store).")
    boolean noSnapshots;

    @Option(names = "--into", description = "Target directory, which must not hold tenants yet. Default: <data-dir>/rebuilt/<timestamp>.")
    Path into;

    @Option(names = "--kafka-dir", defaultValue = "${env:CAIRN_KAFKA_DIR}", description = "Where ./cairn dev keeps the log, when it"
            + " was started with --kafka-dir (env CAIRN_KAFKA_DIR). Default: the one that dev last used, else <data-dir>/kafka.")
    Path kafkaDir;

    java.io.PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> kafka;
        Path data = dataDir.toAbsolutePath().normalize();
        SnapshotSettings snapshotSettings = null;
        TenantKeys keys = null;
        if (configFile != null) {
            CairnConfig config = CairnConfig.load(configFile);
            data = config.dataPath().toAbsolutePath().normalize();
            kafka = config.kafka().clientProperties();
            snapshotSettings = config.snapshots();
            if (config.encryption() != null) keys = config.encryption().open(new SimpleMeterRegistry());
            if (bootstrap != null) kafka.put("bootstrap.servers", bootstrap);
        } else if (bootstrap != null) {
            kafka = KafkaSettings.embedded(bootstrap).clientProperties();
        } else {
            kafka = null;
        }
        if (keys == null && configFile == null && Files.exists(data.resolve(DevCommand.KEK_FILE))) {
            // ./cairn dev seals every tenant's records and snapshots: its key file and vault are in its data dir.
            keys = EncryptionSettings.keys(data.resolve(DevCommand.KEK_FILE), data.resolve(DevCommand.VAULT_DIR), new SimpleMeterRegistry());
        }
        Path target = (into != null ? into : data.resolve("rebuilt").resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))))
                .toAbsolutePath().normalize();
        EmbeddedKafka ownBroker = null;
        if (kafka == null) {
            Path kafkaLog = kafkaDir != null ? kafkaDir.toAbsolutePath().normalize() : DevCommand.kafkaLog(data);
            String devBroker = devBroker(data, kafkaLog);
            if (devBroker == null) {
                err.println("cairn rebuild: no Kafka to read: pass --bootstrap host:port or --config, or a --data-dir of ./cairn dev");
                return 2;
            }
            if (!KafkaReach.reachable(devBroker)) {
                // Held while this process runs dev's broker: a ./cairn dev started meanwhile is refused, instead of starting a
                // second broker on the same log directory (an outside probe: the log's controller failed, dev could not bind).
                try {
                    io.cairn.infra.config.DataDirLock.acquire(data);
                } catch (io.cairn.infra.config.ConfigException running) {
                    err.println("cairn rebuild: ./cairn dev holds " + data + " (starting, or its broker not answering yet): wait until"
                            + " it answers, or stop it, then run the rebuild again");
                    return 1;
                }
                System.out.println("cairn rebuild: ./cairn dev is not running; starting its broker on " + kafkaLog + " for the rebuild");
                ownBroker = EmbeddedKafka.start(kafkaLog);
                devBroker = ownBroker.bootstrapServers();
            }
            kafka = KafkaSettings.embedded(devBroker).clientProperties();
        } else {
            String unreachable = KafkaReach.unreachable("rebuild", kafka);
            if (unreachable != null) {
                err.println(unreachable);
                return 1;
            }
        }
        EmbeddedS3 ownS3 = null;
        S3Client s3 = null;
        ScratchSpace snapshotScratch = null;
        try {
            SnapshotStore store = null;
            if (snapshotSettings != null) {
                s3 = S3Clients.aws(snapshotSettings.region(), snapshotSettings.endpointUri());
                S3SnapshotConfig snapshotConfig = S3SnapshotConfig.of(snapshotSettings.bucket());
                snapshotScratch = ScratchSpace.claim(snapshotConfig.workDir(), DevCommand.SNAPSHOT_SCRATCH);
                store = new S3SnapshotStore(s3, snapshotConfig.withWorkDir(snapshotScratch.dir()));
            } else if (configFile == null && bootstrap == null && Files.isDirectory(data.resolve("s3"))) {
                int port = DevPorts.resolve(data, Map.of()).port(DevPorts.Server.S3);
                if (!KafkaReach.reachable("127.0.0.1:" + port)) ownS3 = new EmbeddedS3(data.resolve("s3"), DevCommand.SNAPSHOT_BUCKET, port).start();
                URI endpoint = URI.create("http://127.0.0.1:" + port);
                s3 = S3Clients.local(endpoint, EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY);
                S3SnapshotConfig snapshotConfig = S3SnapshotConfig.of(DevCommand.SNAPSHOT_BUCKET);
                snapshotScratch = ScratchSpace.claim(snapshotConfig.workDir(), DevCommand.SNAPSHOT_SCRATCH);
                store = new S3SnapshotStore(s3, snapshotConfig.withWorkDir(snapshotScratch.dir()));
            }
            if (store != null && keys != null) store = store.sealedWith(keys);
            return rebuild(kafka, target, store, keys);
        } finally {
            if (s3 != null) s3.close();
            if (ownS3 != null) ownS3.close();
            if (ownBroker != null) ownBroker.close();
            if (snapshotScratch != null) snapshotScratch.close();
        }
    }

    private int rebuild(Map<String, Object> kafka, Path target, SnapshotStore store, TenantKeys keys) throws Exception {
        if (tenant != null) io.cairn.topics.TenantId.require(tenant); // a name no tenant can have, before the whole log is read
        System.out.println("cairn rebuild: replaying cairn.tenant-log (" + kafka.get("bootstrap.servers") + ") into " + target
                + (tenant == null ? "" : " for tenant " + tenant)
                + (store == null || noSnapshots ? ", every record from the start" : ", each tenant from its newest snapshot"));
        Predicate<String> selected = tenant == null ? t -> true : tenant::equals;
        ApplierConfig config = ApplierConfig.primary(target);
        if (keys != null) config = config.withKeys(keys);
        LogReplay replay = new LogReplay(kafka, config);
        if (store != null) replay = noSnapshots ? replay.withImports(store) : replay.withSnapshots(store, new SimpleMeterRegistry());
        if (store != null && !noSnapshots && tenant == null) replay = replay.leavingColdTenantsCold(); // as they were: their snapshots hold them
        ReplayProgress done;
        try {
            done = replay.replayAll(selected, p -> System.out.println("cairn rebuild: " + p.describe()));
        } catch (RecordsRemovedException e) {
            System.err.println("cairn rebuild: refused: " + e.getMessage());
            System.err.println("cairn rebuild: the other tenants are in " + target + ", which is therefore incomplete: do not serve it."
                    + " Rebuild a tenant alone with --tenant; keep the log's retention longer than the retention guard's"
                    + " snapshots need (docs/configuration.md)");
            return 3;
        } catch (ErasedContentException e) {
            System.err.println("cairn rebuild: refused: " + e.getMessage());
            System.err.println("cairn rebuild: the other tenants are in " + target + ", which is therefore incomplete: do not serve it."
                    + (noSnapshots ? " Rebuild without --no-snapshots: each fork then starts from its own snapshot" : " Each fork keeps"
                    + " a snapshot of its own from its creation: check the snapshot store holds theirs"));
            return 3;
        } catch (IllegalStateException e) {
            System.err.println("cairn rebuild: refused: " + e.getMessage());
            return 2;
        }
        int tenants = new TenantFiles(target).list().size();
        System.out.printf("cairn rebuild: done in %.1f s: %,d records read, %,d applied, %,d statements (%,.0f statements/s);"
                + " %d tenant(s) in %s, %,d started from a snapshot; %,d left cold (their cold snapshots are their content)%n",
                done.elapsedNanos() / 1e9, done.recordsRead(), done.applied(), done.statements(), done.statementsPerSecond(), tenants, target,
                done.seeded(), done.leftCold());
        if (tenant != null) return oneTenant(new TenantFiles(target));
        java.util.List<String> made = java.util.stream.Stream.of("tenants", "cairn-tenants.db").map(target::resolve).filter(Files::exists)
                .map(Path::toString).toList(); // a rebuild that needed no registry has none
        System.out.println("cairn rebuild: to serve it, stop the applier and move " + String.join(" and ", made) + " into the hot directory");
        return 0;
    }

    /**
     * A rebuild of one tenant: its file alone is what to put in place. The registry the replay made knows no other
     * tenant (served instead of the hot directory's, it made every cold tenant unknown, and their writes were refused
     * where a full replay applies them), so it is removed rather than offered.
     */
    private int oneTenant(TenantFiles rebuilt) throws IOException {
        for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(rebuilt.registryFile() + suffix));
        Path file = rebuilt.database(tenant);
        if (!Files.exists(file)) {
            err.println("cairn rebuild: the log read holds no tenant '" + tenant + "' (never created, deleted since, or its records are"
                    + " gone): nothing was rebuilt");
            return 1;
        }
        System.out.println("cairn rebuild: to serve it, stop the applier and put " + file + " in place of the hot directory's "
                + Path.of("tenants").resolve(rebuilt.root().relativize(file)) + " (remove that file's -wal and -shm first); keep the hot directory's"
                + " cairn-tenants.db, which knows every tenant. (A tenant that is cold needs none of this: its snapshot is its content.)");
        return 0;
    }

    /**
     * {@code 127.0.0.1:<port>} of the dev broker of {@code data}, whose log is in {@code kafkaLog}, or null when there
     * never was one. Its port is kept in {@code <data-dir>/ports.properties} (an older dev kept it beside the log).
     */
    private static String devBroker(Path data, Path kafkaLog) throws IOException {
        if (!Files.isDirectory(kafkaLog)) return null;
        String port = property(data.resolve("ports.properties"), "kafka");
        if (port == null) port = property(kafkaLog.resolve("ports.properties"), "broker");
        return port == null ? null : "127.0.0.1:" + port;
    }

    private static String property(Path file, String key) throws IOException {
        if (!Files.exists(file)) return null;
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p.getProperty(key);
    }
}
