package io.cairn.edge.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class JsonValuesTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static Object param(String json) throws Exception {
        return JsonValues.toParameter(M.readTree(json));
    }

    @Test
    void integersStayExactAcrossTheWhole64BitRange() throws Exception {
        assertThat(param("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(param("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(param("9007199254740993")).isEqualTo(9_007_199_254_740_993L); // not representable as a double
        assertThat(param("7")).isInstanceOf(Long.class);
    }

    @Test
    void integersOutsideLongRangeAreRefusedNotRounded() {
        assertThatThrownBy(() -> param("9223372036854775808")).isInstanceOf(JsonValues.InvalidValue.class)
                .hasMessageContaining("64-bit");
        assertThatThrownBy(() -> param("-9223372036854775809")).isInstanceOf(JsonValues.InvalidValue.class);
    }

    @Test
    void floatsStringsBooleansAndNullMapToTheirSqlTypes() throws Exception {
        assertThat(param("1.5")).isEqualTo(1.5d);
        assertThat(param("1e3")).isEqualTo(1000.0d);
        assertThat(param("\"héllo\"")).isEqualTo("héllo");
        assertThat(param("true")).isEqualTo(Boolean.TRUE);
        assertThat(param("null")).isNull();
    }

    @Test
    void blobsRoundTripAsBase64Objects() throws Exception {
        byte[] bytes = {0, 1, 2, (byte) 0xff};
        assertThat((byte[]) param("{\"base64\":\"AAEC/w==\"}")).containsExactly(bytes);
        assertThat(JsonValues.toJson(bytes).toString()).isEqualTo("{\"base64\":\"AAEC/w==\"}");
        assertThat(JsonValues.toJson(ByteBuffer.wrap(bytes)).toString()).isEqualTo("{\"base64\":\"AAEC/w==\"}");
    }

    @Test
    void otherShapesAreRefused() {
        assertThatThrownBy(() -> param("[1]")).isInstanceOf(JsonValues.InvalidValue.class);
        assertThatThrownBy(() -> param("{\"x\":1}")).isInstanceOf(JsonValues.InvalidValue.class);
        assertThatThrownBy(() -> param("{\"base64\":\"not base64!\"}")).isInstanceOf(JsonValues.InvalidValue.class);
    }

    @Test
    void stringsThatAreNotUnicodeAreRefusedNotAltered() throws Exception {
        for (String lone : new String[] {"\"a\\ud800b\"", "\"\\udc00\"", "\"x\\ud83d\"", "\"\\ude00\\ud83d\""}) {
            assertThatThrownBy(() -> param(lone)).as(lone).isInstanceOf(JsonValues.InvalidValue.class).hasMessageContaining("surrogate");
        }
        assertThat(param("\"smile \\ud83d\\ude00\"")).isEqualTo("smile " + new String(Character.toChars(0x1F600)));
    }

    @Test
    void outboundValuesIncludingAvroStringsBecomeJson() {
        assertThat(JsonValues.toJson(Long.MAX_VALUE).toString()).isEqualTo("9223372036854775807");
        assertThat(JsonValues.toJson(3).toString()).isEqualTo("3");
        assertThat(JsonValues.toJson(2.5d).toString()).isEqualTo("2.5");
        assertThat(JsonValues.toJson(new Utf8("a".getBytes(StandardCharsets.UTF_8))).textValue()).isEqualTo("a");
        assertThat(JsonValues.toJson(null).isNull()).isTrue();
        JsonNode b = JsonValues.toJson(false);
        assertThat(b.isBoolean()).isTrue();
    }
}
