package io.cairn.edge.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.edge.error.ApiError;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatementParserTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static List<StatementSpec> batch(String json, int max) throws Exception {
        return StatementParser.batch(M.readTree(json), max);
    }

    @Test
    void shorthandIsABatchOfOne() throws Exception {
        List<StatementSpec> b = batch("{\"sql\":\"INSERT INTO t VALUES (?)\",\"params\":[1]}", 10);
        assertThat(b).hasSize(1);
        assertThat(b.get(0).positional()).containsExactly(1L);
    }

    @Test
    void namedParametersKeepTheirKeysAsWritten() throws Exception {
        StatementSpec s = batch("{\"statements\":[{\"sql\":\"x\",\"params\":{\":a\":1,\"b\":\"z\"}}]}", 10).get(0);
        assertThat(s.named()).containsEntry(":a", 1L).containsEntry("b", "z");
    }

    @Test
    void tooManyStatementsIsBatchTooLarge() {
        assertThatThrownBy(() -> batch("{\"statements\":[{\"sql\":\"a\"},{\"sql\":\"b\"}]}", 1))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code().wire()).isEqualTo("batch_too_large"));
    }

    @Test
    void badValueNamesItsStatement() {
        assertThatThrownBy(() -> batch("{\"statements\":[{\"sql\":\"a\"},{\"sql\":\"b\",\"params\":[99999999999999999999]}]}", 5))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code().wire()).isEqualTo("invalid_params");
                    assertThat(e.statement()).isEqualTo(1);
                });
    }

    @Test
    void missingSqlNamesTheField() {
        assertThatThrownBy(() -> batch("{\"statements\":[{\"params\":[]}]}", 5))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.code().wire()).isEqualTo("invalid_request");
                    assertThat(e.getMessage()).contains("statements[0].sql");
                });
    }
}
