package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Where requests go: under the URL's path, if it has one (Cairn behind a proxy that routes on a prefix). */
class BaseUrlTest {
    private static String target(String url, String path) {
        return Transport.target(Cairn.httpUrl(url), path).toString();
    }

    @Test
    void aPathInTheUrlPrefixesEveryRequest() {
        assertThat(target("http://host:8080/prefix", "/v1/tenants/acme/query")).isEqualTo("http://host:8080/prefix/v1/tenants/acme/query");
        assertThat(target("http://host:8080/prefix/", "/v1/tenants")).isEqualTo("http://host:8080/prefix/v1/tenants");
        assertThat(target("https://host/a/b", "/v1/tenants")).isEqualTo("https://host/a/b/v1/tenants");
        assertThat(target("http://host:8080", "/v1/tenants")).isEqualTo("http://host:8080/v1/tenants");
        assertThat(target("http://host:8080/", "/v1/tenants")).isEqualTo("http://host:8080/v1/tenants");
    }

    @Test
    void aNameStaysOneSegmentUnderThePrefix() {
        assertThat(target("http://host/prefix", "/v1/tenants/" + UrlPaths.segment("a/../keys") + "/query"))
                .isEqualTo("http://host/prefix/v1/tenants/a%2F%2E%2E%2Fkeys/query");
    }

    @Test
    void aUrlWithAQueryOrAFragmentIsRefused() {
        assertThatThrownBy(() -> Cairn.builder().url("http://host:8080/prefix?x=1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("query").hasMessageContaining("http://host:8080/prefix?x=1");
        assertThatThrownBy(() -> Cairn.builder().url("http://host:8080#top")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fragment");
        assertThatThrownBy(() -> Cairn.builder().url("http://host:8080/?")).isInstanceOf(IllegalArgumentException.class);
    }
}
