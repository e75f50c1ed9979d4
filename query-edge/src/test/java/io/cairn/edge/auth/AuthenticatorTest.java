package io.cairn.edge.auth;

import static io.cairn.edge.TestStates.key;
import static io.cairn.edge.TestStates.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import io.cairn.edge.directory.TenantDirectory;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    private static final String ADMIN = "admin-token-for-tests";
    private final TenantDirectory directory = new TenantDirectory();
    private final Authenticator auth = new Authenticator(ADMIN, directory);
    private ApiKeys.NewKey acmeRw;
    private ApiKeys.NewKey acmeRead;
    private ApiKeys.NewKey acmeRevoked;
    private ApiKeys.NewKey globex;

    @BeforeEach
    void tenants() {
        acmeRw = ApiKeys.generate();
        acmeRead = ApiKeys.generate();
        acmeRevoked = ApiKeys.generate();
        globex = ApiKeys.generate();
        directory.apply("acme", state("acme", 0, 5, List.of(
                key(acmeRw.keyId(), acmeRw.secretSha256(), List.of("read", "write"), false),
                key(acmeRead.keyId(), acmeRead.secretSha256(), List.of("read"), false),
                key(acmeRevoked.keyId(), acmeRevoked.secretSha256(), List.of("read", "write"), true))));
        directory.apply("globex", state("globex", 1, 3, List.of(
                key(globex.keyId(), globex.secretSha256(), List.of("read", "write"), false))));
    }

    private static void assertStatus(ThrowingCallable call, int status, String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.code().wire()).isEqualTo(status == 401 ? "unauthorized" : "forbidden");
            assertThat(e.getMessage()).contains(messagePart).doesNotContain("globex");
        });
    }

    @Test
    void adminTokenMayDoEverythingOnEveryTenant() {
        Principal p = auth.authenticate("Bearer " + ADMIN);
        assertThat(p).isInstanceOf(Principal.Admin.class);
        Authenticator.requireAdmin(p);
        Authenticator.requireTenantAccess(p, "anyone", Scope.WRITE);
    }

    @Test
    void anAdminTokenShapedLikeAnApiKeyIsStillTheAdmins() {
        String shapedLikeAKey = ApiKeys.generate().token(); // no tenant holds it
        Authenticator keyShapedAdmin = new Authenticator(shapedLikeAKey, directory);
        assertThat(keyShapedAdmin.authenticate("Bearer " + shapedLikeAKey)).isInstanceOf(Principal.Admin.class);
        assertThat(keyShapedAdmin.authenticate("Bearer " + acmeRw.token())).isInstanceOf(Principal.TenantKey.class);
        assertStatus(() -> keyShapedAdmin.authenticate("Bearer " + ApiKeys.generate().token()), 401, "");
        // An admin token of any other shape is never matched by a key's token, nor a key's token taken for it.
        assertThat(auth.authenticate("Bearer " + acmeRw.token())).isInstanceOf(Principal.TenantKey.class);
        assertStatus(() -> auth.authenticate("Bearer " + ADMIN + "x"), 401, "");
    }

    @Test
    void missingMalformedUnknownRevokedOrWrongSecretIs401() {
        assertStatus(() -> auth.authenticate(null), 401, "Bearer");
        assertStatus(() -> auth.authenticate("Basic abc"), 401, "");
        assertStatus(() -> auth.authenticate("Bearer nonsense"), 401, "");
        assertStatus(() -> auth.authenticate("Bearer " + ApiKeys.generate().token()), 401, "");
        assertStatus(() -> auth.authenticate("Bearer " + acmeRevoked.token()), 401, "");
        String forged = "cairn_" + acmeRw.keyId() + "_" + ApiKeys.parse(globex.token()).orElseThrow().secret();
        assertStatus(() -> auth.authenticate("Bearer " + forged), 401, "");
    }

    @Test
    void validKeyOfAnotherTenantIs403WithoutNamingIt() {
        Principal p = auth.authenticate("Bearer " + globex.token());
        assertStatus(() -> Authenticator.requireTenantAccess(p, "acme", Scope.READ), 403, "different tenant");
        assertStatus(() -> Authenticator.requireTenantAccess(p, "acme", null), 403, "different tenant");
    }

    @Test
    void missingScopeIs403NamingTheScope() {
        Principal p = auth.authenticate("Bearer " + acmeRead.token());
        Authenticator.requireTenantAccess(p, "acme", Scope.READ);
        Authenticator.requireTenantAccess(p, "acme", null);
        assertStatus(() -> Authenticator.requireTenantAccess(p, "acme", Scope.WRITE), 403, "\"write\"");
    }

    @Test
    void tenantKeysAreNotAdmin() {
        Principal p = auth.authenticate("Bearer " + acmeRw.token());
        assertThat(p).isEqualTo(new Principal.TenantKey("acme", acmeRw.keyId(), java.util.Set.of(Scope.READ, Scope.WRITE)));
        assertStatus(() -> Authenticator.requireAdmin(p), 403, "admin");
    }

    @Test
    void keysOfADeletedTenantStopWorking() {
        directory.apply("acme", null);
        assertStatus(() -> auth.authenticate("Bearer " + acmeRw.token()), 401, "");
    }

    @Test
    void revocationIsEffectiveAsSoonAsTheDirectoryShowsIt() {
        auth.authenticate("Bearer " + acmeRead.token());
        directory.apply("acme", state("acme", 0, 6, List.of(
                key(acmeRead.keyId(), acmeRead.secretSha256(), List.of("read"), true))));
        assertStatus(() -> auth.authenticate("Bearer " + acmeRead.token()), 401, "");
    }

    /** What a key's checks keep between requests follows the store: nothing of an earlier request lets a later one in. */
    @Test
    void aKeyCheckedBeforeIsCheckedAgainstTheStoreAgainOnEveryRequest() {
        Principal first = auth.authenticate("Bearer " + acmeRw.token());
        assertThat(auth.authenticate("Bearer " + acmeRw.token())).isSameAs(first);
        String wrongSecret = "cairn_" + acmeRw.keyId() + "_" + ApiKeys.parse(acmeRead.token()).orElseThrow().secret();
        assertStatus(() -> auth.authenticate("Bearer " + wrongSecret), 401, "");
        // The store's key changes (scopes, here): the principal is made again from it.
        directory.apply("acme", state("acme", 0, 6, List.of(key(acmeRw.keyId(), acmeRw.secretSha256(), List.of("read"), false))));
        assertThat(auth.authenticate("Bearer " + acmeRw.token()))
                .isEqualTo(new Principal.TenantKey("acme", acmeRw.keyId(), java.util.Set.of(Scope.READ)));
        // A hash the store holds no more lets nothing in, though its secret checked out before.
        directory.apply("acme", state("acme", 0, 7, List.of(key(acmeRw.keyId(), acmeRead.secretSha256(), List.of("read"), false))));
        assertStatus(() -> auth.authenticate("Bearer " + acmeRw.token()), 401, "");
        directory.apply("acme", null);
        assertStatus(() -> auth.authenticate("Bearer " + acmeRead.token()), 401, "");
    }

    /** A revoke (or a delete) in the log is enforced here at once, before the applier reaches it; undone, it is not. */
    @Test
    void aKeyIsRefusedFromTheMomentItsRevocationIsInTheLogUntilTheStoreShowsIt() {
        auth.revokedInLog(acmeRw.keyId());
        assertStatus(() -> auth.authenticate("Bearer " + acmeRw.token()), 401, "revoked");
        auth.authenticate("Bearer " + acmeRead.token()); // the tenant's other keys go on
        auth.revokeUndone(acmeRw.keyId());
        auth.authenticate("Bearer " + acmeRw.token());

        auth.revokedInLog(acmeRw.keyId());
        directory.apply("acme", state("acme", 0, 6, List.of(key(acmeRw.keyId(), acmeRw.secretSha256(), List.of("read", "write"), true))));
        assertStatus(() -> auth.authenticate("Bearer " + acmeRw.token()), 401, "revoked");
    }
}
