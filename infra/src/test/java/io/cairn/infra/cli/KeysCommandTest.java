package io.cairn.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A whole API key given where its id belongs is never sent (its secret would travel in a URL), and the id is named. */
class KeysCommandTest {
    @Test
    void aWholeKeyGivenAsTheKeyIdIsNotSentAndItsIdIsNamed() {
        String secret = "lOa6r287E63QlojtQyoOV7thd33e9CE6yjrB9540KCw";
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream before = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new KeysCommand()).execute("revoke", "--tenant", "acme", "--key-id", "cairn_658fb6b0fb01bf39_" + secret,
                    "--url", "http://127.0.0.1:9", "--token", "cairn_admin_x");
        } finally {
            System.setErr(before);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--key-id takes the key's id, 658fb6b0fb01bf39,").doesNotContain(secret);
    }
}
