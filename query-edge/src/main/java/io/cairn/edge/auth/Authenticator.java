package io.cairn.edge.auth;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Decides who a request is (401 when nobody) and what it may touch (403 otherwise). A tenant key never
 * grants access to another tenant; the 403 it gets does not say whether that tenant exists.
 * Thread-safe.
 */
public final class Authenticator {
    private static final String BEARER = "Bearer ";

    /** SHA-256 of the admin token, computed once: every request's token is compared with it in constant time. */
    private final byte[] adminTokenSha256;
    /**
     * Whether the admin token is shaped like an API key. When it is not, a token shaped like a key can never be it, and
     * is not hashed against it (what that tells a timer, the token's shape, the sender knows).
     */
    private final boolean adminShapedLikeAKey;
    private final KeyStore keys;
    /**
     * Keys revoked, and tenants deleted, through this edge whose record the applier has not applied yet: refused here
     * from the moment the record is in the log, not once it is applied. It may wait behind the tenant's own records
     * in the heavy lane (an outside probe saw a revoked key write for 45 s more, and its writes applied). An entry
     * goes once the key store shows the change (the applier applied it).
     */
    private final java.util.Map<String, Long> revokedAhead = new java.util.concurrent.ConcurrentHashMap<>();
    /** An entry the store never confirmed (its key never presented again) is forgotten after this long. */
    private static final long AHEAD_KEPT_MS = java.util.concurrent.TimeUnit.DAYS.toMillis(1);

    public Authenticator(String adminToken, KeyStore keys) {
        this.adminTokenSha256 = ApiKeys.sha256(adminToken);
        this.adminShapedLikeAKey = ApiKeys.parse(adminToken).isPresent();
        this.keys = keys;
    }

    /** The principal of an {@code Authorization} header value; 401 {@code unauthorized} if none. */
    public Principal authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw unauthorized("send \"Authorization: Bearer <api key or admin token>\"");
        }
        String token = authorization.substring(BEARER.length()).strip();
        Optional<ApiKeys.PresentedKey> presented = ApiKeys.parse(token);
        if ((presented.isEmpty() || adminShapedLikeAKey) && MessageDigest.isEqual(ApiKeys.sha256(token), adminTokenSha256)) {
            return new Principal.Admin();
        }
        if (presented.isEmpty()) throw unauthorized("invalid API key");
        Optional<KeyStore.StoredKey> stored = keys.findKey(presented.get().keyId());
        Parsed parsed = stored.map(this::parsed).orElse(null);
        // Hash first, then the other checks, so that timing says nothing about which one failed.
        boolean hashOk = MessageDigest.isEqual(ApiKeys.sha256(presented.get().secret()), parsed == null ? NO_HASH : parsed.secretSha256());
        if (!revokedAhead.isEmpty() && (stored.isEmpty() || stored.get().revoked())) {
            revokedAhead.remove(presented.get().keyId()); // applied: the store says so now
        }
        if (parsed == null || !hashOk || stored.get().revoked() || revokedAhead.containsKey(stored.get().keyId())) {
            throw unauthorized("invalid or revoked API key");
        }
        return parsed.principal();
    }

    /**
     * A stored key as the checks use it: its hash as bytes, and the principal it makes. Kept per key id while the store
     * shows the key unchanged (a key's record is compared whole on every request, its revocation included), so that
     * each request of a key hashes the secret it presents and compares, and does nothing else again. It holds no
     * secret: only what the store holds.
     */
    private record Parsed(KeyStore.StoredKey stored, byte[] secretSha256, Principal.TenantKey principal) {}

    /** What the secret of a key the store does not hold is compared with: no secret's SHA-256 is empty. */
    private static final byte[] NO_HASH = new byte[0];

    /**
     * Key ids parsed lately, at most this many: past it, all are forgotten at once and parsed again as they come (a
     * bounded cache's bookkeeping on every lookup was a quarter of the key check's CPU samples).
     */
    static final int PARSED_KEPT = 100_000;
    private final java.util.concurrent.ConcurrentHashMap<String, Parsed> parsedKeys = new java.util.concurrent.ConcurrentHashMap<>();

    private Parsed parsed(KeyStore.StoredKey stored) {
        Parsed seen = parsedKeys.get(stored.keyId());
        if (seen != null && seen.stored().equals(stored)) return seen;
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : stored.scopes()) Scope.fromWire(s).ifPresent(scopes::add);
        Parsed made = new Parsed(stored, ApiKeys.storedHash(stored.secretSha256()), new Principal.TenantKey(stored.tenant(), stored.keyId(), scopes));
        if (parsedKeys.size() >= PARSED_KEPT) parsedKeys.clear();
        parsedKeys.put(stored.keyId(), made);
        return made;
    }

    /**
     * The revocation of {@code keyId} (or its tenant's delete) is in the log: the key is refused here from now on,
     * before the applier reaches it. A key id is never used again, so a tenant created again has none of these.
     */
    public void revokedInLog(String keyId) {
        long now = System.currentTimeMillis();
        revokedAhead.values().removeIf(at -> now - at > AHEAD_KEPT_MS);
        revokedAhead.put(keyId, now);
    }

    /** The record that was to end {@code keyId} did not (never in the log, or refused when applied). */
    public void revokeUndone(String keyId) {
        revokedAhead.remove(keyId);
    }

    /** Allows the admin, or a key of {@code tenant} holding {@code scope} (any scope when null). */
    public static void requireTenantAccess(Principal who, String tenant, Scope scope) {
        if (who instanceof Principal.Admin) return;
        Principal.TenantKey key = (Principal.TenantKey) who;
        if (!key.tenant().equals(tenant)) throw forbidden("this API key belongs to a different tenant");
        if (scope != null && !key.scopes().contains(scope)) {
            throw forbidden("this API key lacks the \"" + scope.wireName() + "\" scope");
        }
    }

    /** Allows only the admin token. */
    public static void requireAdmin(Principal who) {
        if (!(who instanceof Principal.Admin)) throw forbidden("this operation needs the admin token");
    }

    private static ApiError unauthorized(String message) {
        return new ApiError(ErrorCode.UNAUTHORIZED, message);
    }

    private static ApiError forbidden(String message) {
        return new ApiError(ErrorCode.FORBIDDEN, message);
    }
}
