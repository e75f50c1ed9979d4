package io.cairn.streams.apply;

import io.cairn.tenantdb.sqlite.TenantFiles;
import io.cairn.topics.TopicCatalog;
import java.util.List;

/**
 * {@code cairn.tenant-log} ends before what the hot directory's files hold ({@link LogContinuity}): applying it
 * would skip new writes as already applied, so the applier does not start. The message names the partitions
 * and the ways out.
 */
public final class LogBehindFilesException extends IllegalStateException {
    LogBehindFilesException(TenantFiles files, List<String> behind) {
        super(TopicCatalog.TENANT_LOG + " ends before what the tenant files in " + files.root() + " hold (" + String.join("; ", behind)
                + "): the log was replaced, or restored from an older copy, and new writes would be skipped as already applied."
                + " Nothing was applied. Either bring back the log these files were applied from, or rebuild the files from this log"
                + " (cairn rebuild; then, the applier stopped, put the tenants/ and cairn-tenants.db it built in place of those in "
                + files.positionsFile().getParent() + ", and delete " + files.positionsFile() + "; writes only the files hold are then gone).");
    }
}
