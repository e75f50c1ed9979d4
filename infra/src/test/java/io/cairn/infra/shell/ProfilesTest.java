package io.cairn.infra.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a command connects: a profile named and not in the file is refused, never replaced by another connection. */
class ProfilesTest {
    @TempDir Path dir;

    @Test
    void aNamedProfileTheFileDoesNotHaveIsRefused() throws Exception {
        Path file = dir.resolve("profiles");
        Files.writeString(file, "default.url=http://a:1\ndefault.tenant=acme\nstaging.url=http://b:2\n");
        Map<String, String> env = Map.of("CAIRN_PROFILES", file.toString());
        assertThat(Profiles.resolve(null, null, null, null, "staging", null, env).url()).isEqualTo("http://b:2");
        assertThat(Profiles.resolve(null, null, null, null, null, null, env).tenant()).isEqualTo("acme");
        assertThatThrownBy(() -> Profiles.resolve(null, null, null, null, "nope", null, env))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no profile 'nope'");
        assertThatThrownBy(() -> Profiles.resolve(null, null, null, null, null, null, Map.of("CAIRN_PROFILES", file.toString(), "CAIRN_PROFILE", "prod")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'prod'");
        assertThat(Profiles.resolve(null, null, null, null, null, null, Map.of("CAIRN_PROFILES", dir.resolve("none").toString())).url())
                .as("none named and no file: the defaults").isEqualTo("http://127.0.0.1:8080");
    }
}
