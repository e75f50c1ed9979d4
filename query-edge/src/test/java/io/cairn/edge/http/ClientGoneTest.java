package io.cairn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.EofException;
import org.junit.jupiter.api.Test;

/** A client that hung up or stopped reading mid-answer is no internal error of the edge's (it was logged as one, stack and all). */
class ClientGoneTest {
    @Test
    void aResetOrAnIdleWriteIsTheClientGoneWhereverItIsInTheChain() {
        assertThat(HttpServer.clientGone(new UncheckedIOException(new EofException("Connection reset by peer")))).isTrue();
        assertThat(HttpServer.clientGone(new IOException(new TimeoutException("Idle timeout expired: 150000/150000 ms")))).isTrue();
        assertThat(HttpServer.clientGone(new java.nio.channels.ClosedChannelException())).isTrue();
    }

    @Test
    void otherFailuresStayInternal() {
        assertThat(HttpServer.clientGone(new IllegalStateException("a bug"))).isFalse();
        assertThat(HttpServer.clientGone(new IOException(new TimeoutException("the store took too long")))).isFalse();
    }
}
