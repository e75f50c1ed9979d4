package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An export's copy must leave the node's local disk its spare room: else 503 storage_full, before anything is copied. */
class ExportRoomTest {
    @TempDir Path dir;

    @Test
    void aCopyThatWouldLeaveTooLittleFreeIsRefusedWithStorageFull() {
        assertThatThrownBy(() -> RestoreRoutes.requireRoom(dir, 1 << 20, Long.MAX_VALUE / 2))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code().wire()).isEqualTo("storage_full");
                    assertThat(e.getMessage()).contains("export").doesNotContain(dir.toString());
                });
        assertThatThrownBy(() -> RestoreRoutes.requireRoom(dir, dir.toFile().getTotalSpace() + 1, 0)).isInstanceOf(ApiError.class);
    }

    @Test
    void aCopyThatFitsGoesAhead() {
        assertThatCode(() -> RestoreRoutes.requireRoom(dir, 1 << 20, 0)).doesNotThrowAnyException();
    }
}
