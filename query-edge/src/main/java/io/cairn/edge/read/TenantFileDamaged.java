package io.cairn.edge.read;

/**
 * The tenant's file is damaged (it failed its check, or SQLite found it corrupt while reading) or
 * missing though the tenant exists: nothing may be served from it until it is rebuilt from the log.
 */
public final class TenantFileDamaged extends RuntimeException {
    private final boolean missing;

    public TenantFileDamaged(String tenant, String problem) {
        this(tenant, problem, false);
    }

    private TenantFileDamaged(String tenant, String problem, boolean missing) {
        super("tenant " + tenant + ": " + problem, null, false, false);
        this.missing = missing;
    }

    /** The file is not there at all: lost, or the tenant is cold (only its snapshot is kept). */
    public static TenantFileDamaged missing(String tenant) {
        return new TenantFileDamaged(tenant, "its file is missing", true);
    }

    public boolean missing() {
        return missing;
    }
}
