package io.cairn.edge.auth;

import java.util.Locale;
import java.util.Optional;

/** What a tenant key may do. Reading tenant metadata needs a valid key of the tenant, any scope. */
public enum Scope {
    READ, WRITE;

    /** The lower-case name as it appears in requests and in stored keys. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scope> fromWire(String name) {
        for (Scope s : values()) if (s.wireName().equals(name)) return Optional.of(s);
        return Optional.empty();
    }
}
