package io.cairn.edge.auth;

import java.util.Set;

/** Who sent a request, once its bearer token checked out. */
public sealed interface Principal {
    /** The admin token: every operation on every tenant. */
    record Admin() implements Principal {}

    /** A tenant's API key, with the scopes it was issued with. */
    record TenantKey(String tenant, String keyId, Set<Scope> scopes) implements Principal {
        public TenantKey {
            scopes = Set.copyOf(scopes);
        }
    }
}
