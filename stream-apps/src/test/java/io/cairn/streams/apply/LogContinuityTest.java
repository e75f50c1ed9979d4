package io.cairn.streams.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tenantdb.sqlite.TenantFiles;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A log that ends before what the files hold is refused before anything is applied; one at or past it is not. */
class LogContinuityTest {
    @TempDir Path hot;

    @Test
    void aLogThatEndsBeforeWhatTheFilesHoldIsRefusedNamingEachPartitionAndTheWaysOut() {
        TenantFiles files = new TenantFiles(hot);
        assertThatThrownBy(() -> LogContinuity.check(Map.of(0, 12L, 3, 8L, 5, 4L), Map.of(0, 12L, 3, 2L), files))
                .isInstanceOf(LogBehindFilesException.class)
                .hasMessageContaining("partition 3 ends at offset 2, its files hold records up to offset 7")
                .hasMessageContaining("partition 5 ends at offset 0, its files hold records up to offset 3") // a log without it
                .hasMessageNotContaining("partition 0")
                .hasMessageContaining("cairn rebuild").hasMessageContaining("and delete " + files.positionsFile())
                .hasMessageContaining(hot.toString());
    }

    @Test
    void aLogAtOrPastWhatTheFilesHoldAndADirectoryThatAppliedNothingPass() {
        TenantFiles files = new TenantFiles(hot);
        assertThatCode(() -> LogContinuity.check(Map.of(0, 12L, 1, 3L), Map.of(0, 12L, 1, 90L, 2, 5L), files)).doesNotThrowAnyException();
        assertThatCode(() -> LogContinuity.check(Map.of(), Map.of(), files)).doesNotThrowAnyException();
        assertThatCode(() -> LogContinuity.check(files, Map.of("bootstrap.servers", "localhost:1"))).as("nothing applied: Kafka is not even asked")
                .doesNotThrowAnyException();
    }

    /** Files put in place after a rebuild come without published positions: the registry's records count as held. */
    @Test
    void theRegistrysRecordsCountAsHeldWithoutPublishedPositions() throws Exception {
        TenantFiles files = new TenantFiles(hot);
        try (TenantRegistry registry = TenantRegistry.open(files.registryFile(), () -> false)) {
            registry.created("acme", new io.cairn.topics.Bookmark(4, 0));
            registry.created("bob", new io.cairn.topics.Bookmark(2, 17));
        }
        assertThat(LogContinuity.registered(files)).isEqualTo(Map.of(4, 1L, 2, 18L));
        assertThatThrownBy(() -> LogContinuity.check(Map.of(4, 1L), Map.of(4, 0L), files)).as("an empty log under them")
                .isInstanceOf(LogBehindFilesException.class);
    }
}
