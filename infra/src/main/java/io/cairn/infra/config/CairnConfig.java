package io.cairn.infra.config;

import io.cairn.tenantdb.sqlite.SqliteLimits;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cairn.tenantdb.sqlite.SqliteLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The configuration of {@code ./cairn serve}, loaded from YAML in one place (see {@code
 * docs/configuration.md} for an annotated example). Unknown keys are errors, so a typo never silently
 * falls back to a default.
 *
 * @param dataDir the hot volume (EFS in AWS): tenant files, the admin-token file. Required.
 * @param httpPort the edge's port. Default 8080.
 * @param roles what this process runs: any of {@code applier}, {@code edge}, {@code materializer}, {@code replica}
 *     (default: applier and edge, plus the materializer when {@code dynamodb} is set); {@code replica} needs the
 *     {@code replica} section and excludes {@code applier} (a replica is another node's applier)
 * @param kafka how to reach Kafka (MSK)
 * @param applierThreads Kafka Streams threads of the applier. Default 1.
 * @param maxOpenTenants open tenant databases kept by the applier. Default 1,024.
 * @param heavyLaneThreads threads of the applier's heavy lane (long records, migration runs). Default: half
 *     the cores, at least 1; more finish fleet migrations sooner and slow other tenants' writes meanwhile.
 * @param redisUrl Redis (ElastiCache) for the edge's query cache, e.g. {@code rediss://:token@host:6379};
 *     default: an in-process cache per edge
 * @param applierInstanceId the applier's Kafka static membership id ({@code group.instance.id}), unique
 *     per applier process and stable across its restarts; a restarted applier then resumes its
 *     partitions at once instead of after the session timeout. Default unset (dynamic membership).
 * @param dynamodb the control plane's DynamoDB (tenant metadata, usage, fleet listing); unset: no
 *     control plane (those routes answer 501)
 * @param snapshots where the applier stores tenant snapshots (S3); unset: none ({@code POST
 *     /v1/tenants/{t}/snapshots} answers 501)
 * @param tiering when idle tenants go cold; the job runs with the applier when {@code dynamodb} and
 *     {@code snapshots} are set (defaults: {@link TieringSettings})
 * @param logFormat text or json
 * @param metrics outputs besides Prometheus (CloudWatch EMF); unset: Prometheus only
 * @param encryption per-tenant encryption of the log's tenant data and of snapshots (key file and vault);
 *     unset: tenant data travels and is stored clear (a warning at start)
 * @param replica the replica this process applies to (role {@code replica}); see docs/replicas.md
 * @param readCopies the copies the edge reads, in order of preference; default: the hot volume alone
 * @param region {@code primary} (default) or {@code standby}: a standby's log is fed by MirrorMaker from the
 *     primary region; its applier applies as a replica and its edge takes no writes until {@code cairn promote}
 * @param minFreeTempMib free space (MiB) kept where SQLite writes temporary files (sorts, DISTINCT, GROUP BY):
 *     a read that would go below it is stopped with 503 {@code storage_full}, a write waits until the space is
 *     there (never failed for it). Default 1,024; 0: not watched.
 */
public record CairnConfig(
        @JsonProperty("data_dir") String dataDir,
        @JsonProperty("http_port") Integer httpPort,
        @JsonProperty("roles") List<String> roles,
        @JsonProperty("kafka") KafkaSettings kafka,
        @JsonProperty("applier_threads") Integer applierThreads,
        @JsonProperty("max_open_tenants") Integer maxOpenTenants,
        @JsonProperty("heavy_lane_threads") Integer heavyLaneThreads,
        @JsonProperty("applier_instance_id") String applierInstanceId,
        @JsonProperty("redis_url") String redisUrl,
        @JsonProperty("dynamodb") DynamoDbSettings dynamodb,
        @JsonProperty("snapshots") SnapshotSettings snapshots,
        @JsonProperty("tiering") TieringSettings tiering,
        @JsonProperty("log_format") String logFormat,
        @JsonProperty("encryption") EncryptionSettings encryption,
        @JsonProperty("metrics") MetricsSettings metrics,
        @JsonProperty("replica") ReplicaSettings replica,
        @JsonProperty("read_copies") List<ReadCopySettings> readCopies,
        @JsonProperty("region") String region,
        @JsonProperty("min_free_temp_mib") Integer minFreeTempMib) {

    static final Set<String> ROLES = Set.of("applier", "edge", "materializer", "replica");
    /** The most threads of one kind a process is given: far past any core count, short of exhausting the process. */
    static final int MAX_THREADS = 256;

    public CairnConfig {
        Objects.requireNonNull(dataDir, "data_dir is required");
        Objects.requireNonNull(kafka, "kafka is required (at least kafka.bootstrap_servers)");
        httpPort = httpPort == null ? 8080 : httpPort;
        roles = roles != null ? List.copyOf(roles)
                : dynamodb != null ? List.of("applier", "edge", "materializer") : List.of("applier", "edge");
        for (String r : roles) {
            if (!ROLES.contains(r)) {
                throw new IllegalArgumentException("roles may hold 'applier', 'edge', 'materializer' and 'replica', not '" + r + "'");
            }
        }
        if (roles.contains("replica") && roles.contains("applier")) {
            throw new IllegalArgumentException("roles: a process runs the primary applier or a replica, not both (a replica is another node's copy)");
        }
        if (roles.contains("replica") && replica == null) {
            throw new IllegalArgumentException("the replica role needs the replica section (name, dir)");
        }
        readCopies = readCopies == null ? List.of() : List.copyOf(readCopies);
        region = region == null ? "primary" : region;
        if (!region.equals("primary") && !region.equals("standby")) {
            throw new IllegalArgumentException("region must be primary or standby, not '" + region + "'");
        }
        if (readCopies.stream().map(ReadCopySettings::name).distinct().count() != readCopies.size()) {
            throw new IllegalArgumentException("read_copies: each copy is named once");
        }
        if (roles.contains("materializer") && dynamodb == null) {
            throw new IllegalArgumentException("the materializer role needs dynamodb (region, and table_prefix if not cairn-)");
        }
        if (httpPort < 0 || httpPort > 65_535) throw new IllegalArgumentException("http_port must be a port from 1 to 65535, not " + httpPort);
        applierThreads = applierThreads == null ? 1 : applierThreads;
        maxOpenTenants = maxOpenTenants == null ? 1_024 : maxOpenTenants;
        if (applierThreads < 1 || applierThreads > MAX_THREADS) {
            throw new IllegalArgumentException("applier_threads must be from 1 to " + MAX_THREADS + " (more than the partitions do nothing), not " + applierThreads);
        }
        if (maxOpenTenants < 1) throw new IllegalArgumentException("max_open_tenants must be at least 1, not " + maxOpenTenants);
        if (heavyLaneThreads != null && (heavyLaneThreads < 1 || heavyLaneThreads > MAX_THREADS)) {
            throw new IllegalArgumentException("heavy_lane_threads must be from 1 to " + MAX_THREADS + ", not " + heavyLaneThreads);
        }
        minFreeTempMib = minFreeTempMib == null ? (int) (SqliteLimits.READ_DEFAULTS.minFreeTempBytes() >> 20) : minFreeTempMib;
        if (minFreeTempMib < 0) throw new IllegalArgumentException("min_free_temp_mib must not be negative, not " + minFreeTempMib);
        tiering = tiering == null ? TieringSettings.DEFAULTS : tiering;
        logFormat = logFormat == null ? "text" : logFormat;
        if (!Logging.FORMATS.contains(logFormat)) throw new IllegalArgumentException("log_format must be text or json, not '" + logFormat + "'");
        if (applierInstanceId != null && applierInstanceId.isBlank()) throw new IllegalArgumentException("applier_instance_id must not be blank");
    }

    /** Free space kept for SQLite's temporary files: reads below it get 503, writes wait (see docs/configuration.md). */
    public long minFreeTempBytes() {
        return (long) minFreeTempMib << 20;
    }

    public Path dataPath() {
        return Path.of(dataDir);
    }

    public boolean runsApplier() {
        return roles.contains("applier");
    }

    public boolean runsEdge() {
        return roles.contains("edge");
    }

    /** The region's role as configured (a standby stays one until promoted). */
    public io.cairn.topics.RegionRole regionRole() {
        return region.equals("standby") ? io.cairn.topics.RegionRole.STANDBY : io.cairn.topics.RegionRole.PRIMARY;
    }

    public boolean runsReplica() {
        return roles.contains("replica");
    }

    public boolean runsMaterializer() {
        return roles.contains("materializer");
    }

    /** Loads {@code file}; anything wrong with it is a {@link ConfigException} naming the file and the problem. */
    public static CairnConfig load(Path file) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            return yaml.readValue(file.toFile(), CairnConfig.class);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new ConfigException(file + ": unknown setting '" + e.getPropertyName() + "' (see docs/configuration.md)", e);
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            throw new ConfigException(file + ": " + mismatch(e) + " (see docs/configuration.md)", e);
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ConfigException(file + ": " + cause.getMessage(), e);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ConfigException(file + ": not valid YAML for cairn serve (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** What is wrong where, in the file's own terms: {@code kafka.partitions is not a whole number}. */
    private static String mismatch(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        String at = e.getPath().stream().map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(java.util.stream.Collectors.joining()).replaceFirst("^\\.", "");
        if (at.isEmpty()) {
            return (e.getOriginalMessage().contains("end-of-input") ? "the file is empty" : "the file is not a mapping of settings")
                    + ": it needs at least data_dir and kafka.bootstrap_servers";
        }
        Class<?> type = e.getTargetType();
        String expected = type == null ? "of another kind"
                : type == String.class ? "text"
                : type == Integer.class || type == int.class || type == Long.class || type == Short.class ? "a whole number"
                : type == Boolean.class || type == boolean.class ? "true or false"
                : List.class.isAssignableFrom(type) ? "a list"
                : java.util.Map.class.isAssignableFrom(type) || type.isRecord() ? "a section of settings"
                : "of another kind";
        return at + " should be " + expected;
    }
}
