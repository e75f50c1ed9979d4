package io.cairn.topics.seal;

/** The data key a record or snapshot names is gone from the vault: the tenant was erased. Permanent. */
public final class KeyErasedException extends RuntimeException {
    private final String tenant;

    public KeyErasedException(String tenant, String keyId) {
        super("tenant " + tenant + ": data key " + keyId + " was destroyed (the tenant was deleted); what it sealed is erased");
        this.tenant = tenant;
    }

    public String tenant() {
        return tenant;
    }
}
