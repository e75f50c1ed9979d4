package io.cairn.infra.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cairn.streams.tiering.TieringConfig;

/**
 * The tiering job in {@code cairn.yaml}. It runs in the applier's process whenever {@code dynamodb} and
 * {@code snapshots} are set, unless {@code enabled: false}.
 *
 * @param enabled default true
 * @param coldAfter a tenant neither read nor written for this long goes cold. Default {@code 24h}.
 * @param every how often idle tenants are looked for. Default {@code 1m}.
 * @param freezesPerSecond at most this many freezes asked a second. Default 20.
 */
public record TieringSettings(
        @JsonProperty("enabled") Boolean enabled,
        @JsonProperty("cold_after") String coldAfter,
        @JsonProperty("every") String every,
        @JsonProperty("freezes_per_second") Integer freezesPerSecond) {

    public static final TieringSettings DEFAULTS = new TieringSettings(null, null, null, null);

    public TieringSettings {
        enabled = enabled == null || enabled;
        coldAfter = coldAfter == null ? "24h" : coldAfter;
        every = every == null ? "1m" : every;
        freezesPerSecond = freezesPerSecond == null ? 20 : freezesPerSecond;
        config(coldAfter, every, freezesPerSecond); // every mistake found when the file is read
    }

    public TieringConfig config() {
        return config(coldAfter, every, freezesPerSecond);
    }

    private static TieringConfig config(String coldAfter, String every, int freezesPerSecond) {
        return new TieringConfig(Durations.parse("tiering.cold_after", coldAfter), Durations.parse("tiering.every", every), freezesPerSecond);
    }
}
