package io.cairn.edge.read;

/**
 * The tenant's file is damaged (it failed its check, or SQLite found it corrupt while reading) or
 * missing though the tenant exists: nothing may be served from it until it is rebuilt from the log.
 */
public final class TenantFileDamaged extends RuntimeException {
    public TenantFileDamaged(String tenant, String problem) {
        super("tenant " + tenant + ": " + problem, null, false, false);
    }
}
