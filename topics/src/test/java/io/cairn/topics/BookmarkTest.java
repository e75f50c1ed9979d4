package io.cairn.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A bookmark a client sends back is refused with the one message that says what one looks like. */
class BookmarkTest {
    @Test
    void onlyAPartitionAndAnOffsetAsAWriteReturnsThemParse() {
        assertThat(Bookmark.parse("3:1042")).isEqualTo(new Bookmark(3, 1042));
        for (String bad : new String[] {"0:-5", "-1:4", "3:", ":4", "3:x", "3:1042:1", "99999999999:1", "7:+5", "+7:5", "7:\u0663", " 7:5", "7:5 "}) {
            // "0:-5" said "offset must be >= -1", as if -1 were one to send
            assertThatThrownBy(() -> Bookmark.parse(bad)).as(bad).hasMessage("bookmark must look like \"3:1042\", as returned by a write or a read");
        }
    }
}
