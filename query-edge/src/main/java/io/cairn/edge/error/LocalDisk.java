package io.cairn.edge.error;

import io.cairn.topics.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;

/**
 * The node's local disk where the edge makes copies (as-of reads' past copies, exports, imports: the
 * edge's {@code scratchDir}). A copy is checked for room before it starts, and a full disk met during one
 * is answered 503 {@code storage_full}, never 500: the client can retry, and other tenants' reads, which
 * need the same disk for SQLite's temporary files, are kept their room.
 */
public final class LocalDisk {
    private LocalDisk() {}

    /**
     * Refuses ({@code storage_full}) a copy of about {@code needBytes} into {@code dir} that would leave
     * less than {@code keepFree} there. {@code what} names the copy for the message ("this export's copy").
     */
    public static void requireRoom(Path dir, long needBytes, long keepFree, String what) throws IOException {
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free - needBytes < keepFree) {
            throw new ApiError(ErrorCode.STORAGE_FULL, "the node is short of local space for " + what + " (" + (needBytes >> 20)
                    + " MiB, with " + (keepFree >> 20) + " MiB kept free; " + (free >> 20) + " MiB free): retry in a moment");
        }
    }

    /** True when {@code dir}'s disk has room for {@code needBytes} and still {@code keepFree} more. */
    public static boolean hasRoom(Path dir, long needBytes, long keepFree) throws IOException {
        return Files.getFileStore(dir).getUsableSpace() - needBytes >= keepFree;
    }

    /**
     * True when {@code failure}, or one of its causes, is a full disk: an I/O error saying so (ENOSPC,
     * EDQUOT) or SQLite's {@code SQLITE_FULL}. Meant for failures of the edge's own copies: the edge
     * writes no tenant file, so there a SQLITE_FULL is the disk's, not a tenant's quota.
     */
    public static boolean isFull(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null
                    && (t.getMessage().contains("No space left on device") || t.getMessage().contains("Disk quota exceeded"))) {
                return true;
            }
            if (t instanceof SQLException e && (e.getErrorCode() & 0xff) == SQLiteErrorCode.SQLITE_FULL.code) return true;
        }
        return false;
    }

    /** The answer to a copy that met a full disk. */
    public static ApiError full(String what) {
        return new ApiError(ErrorCode.STORAGE_FULL, "the node's local disk filled up while making " + what + "; nothing was changed,"
                + " retry in a moment");
    }
}
