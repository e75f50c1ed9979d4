package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.edge.error.ApiError;
import io.cairn.topics.ErrorCode;
import org.junit.jupiter.api.Test;

/** A tenant's requests in progress are bounded, its own only, and counted down as they end. */
class TenantRequestsTest {
    @Test
    void aTenantPastItsShareIsRefusedAndOthersGoOn() {
        TenantRequests requests = new TenantRequests(3);
        for (int i = 0; i < 3; i++) requests.enter("hog");
        assertThatThrownBy(() -> requests.enter("hog")).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS));
        requests.enter("calm");

        requests.leave("hog");
        requests.enter("hog"); // one ended: room for one
        assertThat(requests.running("hog")).isEqualTo(3);
        for (int i = 0; i < 3; i++) requests.leave("hog");
        requests.leave("calm");
        assertThat(requests.running("hog")).isZero();
        assertThat(requests.running("calm")).isZero();
    }
}
