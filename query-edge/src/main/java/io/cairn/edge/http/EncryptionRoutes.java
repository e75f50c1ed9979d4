package io.cairn.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.connectors.keys.TenantKeys;
import io.cairn.connectors.keys.WrappedKey;
import io.cairn.edge.auth.Authenticator;
import io.cairn.edge.error.ApiError;
import io.cairn.edge.write.CommandGateway.Submitted;
import io.cairn.edge.write.Commands;
import io.cairn.topics.ErrorCode;
import io.cairn.topics.seal.DataKey;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;

/**
 * Per-tenant encryption, for an operator (admin token; docs/security.md): a tenant's data keys (ids and
 * dates, never material), rotating a tenant's data key, and rotating the key encryption key. 501
 * {@code not_supported} where the deployment has no encryption configured.
 */
final class EncryptionRoutes {
    private final EdgeServices s;
    private final RequestBodies bodies;

    EncryptionRoutes(EdgeServices services, RequestBodies bodies) {
        this.s = services;
        this.bodies = bodies;
    }

    /** {@code GET /v1/tenants/{t}/data-keys}: the tenant's data keys, oldest first; the last one seals new writes. */
    void listDataKeys(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        s.existing(tenant);
        ObjectNode out = Responses.object().put("tenant", tenant);
        ArrayNode keys = out.putArray("data_keys");
        for (WrappedKey k : keys().vault().list(tenant)) {
            keys.addObject().put("id", k.keyId()).put("created_at", Instant.ofEpochMilli(k.createdAtMs()).toString())
                    .put("kek_version", k.kekVersion());
        }
        Responses.json(ctx, 200, out);
    }

    /**
     * {@code POST /v1/tenants/{t}/data-keys}: a new data key for the tenant, stored in the vault, then a
     * {@code RotateDataKey} on its log; from then on its writes and snapshots are sealed with it. Earlier
     * keys stay for what they sealed (restores, rebuilds) and go with the tenant at erasure.
     */
    void rotateDataKey(Context ctx) throws InterruptedException {
        Authenticator.requireAdmin(s.principal(ctx));
        String tenant = EdgeServices.tenantParam(ctx);
        bodies.none(ctx);
        s.existing(tenant);
        s.requireLog();
        DataKey key = keys().create(tenant);
        long deadline = System.nanoTime() + s.config().writeTimeout().toNanos();
        Submitted done = s.gateway().submit(Commands.rotateDataKey(tenant, key.id()), s.config().writeTimeout());
        Outcomes.successOrThrow(done);
        // Writes are sealed with the key this edge's directory names: answered before it shows the new one, a
        // write the client sends next would still be sealed with the old key.
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        if (!s.directory().awaitApplied(tenant, done.bookmark().offset(), left)) throw Outcomes.writeTimeout(done.bookmark().toString());
        Responses.json(ctx, 200, Responses.object().put("tenant", tenant).put("data_key_id", key.id())
                .put("bookmark", done.bookmark().toString()));
    }

    /**
     * {@code POST /v1/encryption/kek}: a new version of the key encryption key, and every tenant's data
     * keys re-wrapped under it. No record or snapshot is rewritten.
     */
    void rotateKek(Context ctx) {
        Authenticator.requireAdmin(s.principal(ctx));
        bodies.none(ctx);
        TenantKeys keys = keys();
        String version = keys.kek().rotate();
        int rewrapped = keys.rewrapAll();
        Responses.json(ctx, 200, Responses.object().put("kek_version", version).put("rewrapped", rewrapped));
    }

    private TenantKeys keys() {
        if (s.keys() == null) {
            throw new ApiError(ErrorCode.NOT_SUPPORTED, "this deployment does not encrypt tenant data (encryption in cairn.yaml; docs/security.md)");
        }
        return s.keys();
    }
}
