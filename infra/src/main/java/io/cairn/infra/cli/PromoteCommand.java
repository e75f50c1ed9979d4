package io.cairn.infra.cli;

import io.cairn.infra.config.CairnConfig;
import io.cairn.infra.config.KafkaSettings;
import io.cairn.topics.RegionRole;
import io.cairn.topics.TopicCatalog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn promote --config standby.yaml}: makes a standby region the primary (docs/replicas.md,
 * "Standby region"). It writes {@code primary} to the region's {@code cairn.region}; the region's edges take
 * writes from then on and its applier restarts as the primary, within a second or two. It refuses while the
 * region's log still grows (MirrorMaker still writing into it: stop the mirror first, or {@code --force}), and a
 * region that is not a standby: {@code cairn.region} says primary, or names no role (a standby's processes record
 * it when they start), so pointed at the wrong cluster it changes nothing instead of reporting a failover.
 * Exit 0 promoted, 1 refused, 2 bad arguments.
 */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Make a standby region the primary: its edges take writes, its applier becomes the primary.")
public final class PromoteCommand implements Callable<Integer> {
    @Option(names = "--config", description = "The standby region's cairn.yaml (its kafka section).")
    Path configFile;

    @Option(names = "--bootstrap", description = "The standby region's Kafka bootstrap servers (instead of --config).")
    String bootstrap;

    @Option(names = "--quiet-for", defaultValue = "2s", description = "How long the region's log must stay still before promoting. Default: ${DEFAULT-VALUE}.")
    String quietFor;

    @Option(names = "--force", description = "Promote even while the region's log still grows (MirrorMaker still writing).")
    boolean force;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> kafka;
        if (configFile != null) {
            kafka = CairnConfig.load(configFile).kafka().clientProperties();
            if (bootstrap != null) kafka.put("bootstrap.servers", bootstrap);
        } else if (bootstrap != null) {
            kafka = KafkaSettings.embedded(bootstrap).clientProperties();
        } else {
            err.println("cairn promote: name the standby region's Kafka: --config standby.yaml or --bootstrap host:port");
            return 2;
        }
        Duration quiet = io.cairn.infra.config.Durations.parse("--quiet-for", quietFor);
        String unreachable = KafkaReach.unreachable("promote", kafka);
        if (unreachable != null) {
            err.println(unreachable);
            return 1;
        }
        RegionRole now = io.cairn.infra.runtime.RegionWatch.recordedRole(kafka);
        if (now != RegionRole.STANDBY && !force) {
            err.println("cairn promote: refused: " + (now == RegionRole.PRIMARY ? "this region is already the primary (" + TopicCatalog.REGION
                    + " says so): nothing was changed" : "no standby runs against this Kafka (" + TopicCatalog.REGION + " names no role):"
                    + " is this the standby region's cluster? (--force promotes anyway)"));
            return 1;
        }
        try (Admin admin = Admin.create(kafka)) {
            if (!force) {
                Map<Integer, Long> before = TopicCatalog.endOffsets(admin, TopicCatalog.TENANT_LOG, Duration.ofSeconds(30));
                Thread.sleep(quiet.toMillis()); // the question is whether the log moves over this span of time
                Map<Integer, Long> after = TopicCatalog.endOffsets(admin, TopicCatalog.TENANT_LOG, Duration.ofSeconds(30));
                if (!before.equals(after)) {
                    err.println("cairn promote: refused: the region's log grew in the last " + quietFor + " (MirrorMaker is still writing into it)."
                            + " Stop the mirror into this region first, so the two regions cannot both take writes; or --force");
                    return 1;
                }
            }
        }
        String at = io.cairn.infra.runtime.RegionWatch.record(kafka, RegionRole.PRIMARY);
        out.println("cairn promote: this region is now the primary (" + TopicCatalog.REGION + " " + at
                + "); its edges take writes and its applier restarts as the primary within seconds."
                + " Bookmarks issued by the old primary region are not valid here.");
        return 0;
    }
}
