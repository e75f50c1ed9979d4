package io.cairn.streams.apply;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An outcome or state the broker refuses as too large is dropped (and logged) instead of stopping the
 * applier: the write it reports is committed either way, and its client gets {@code write_timeout} with
 * the bookmark, from which it can read. Outcomes are bounded well below the topics' limit
 * ({@link BatchExecutor#MAX_RESULT_BYTES_PER_RECORD}); this is the second wall. Any other production
 * failure still fails the thread, which Streams replaces.
 */
public final class OutcomeTooLargeHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(OutcomeTooLargeHandler.class);

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RecordTooLargeException) {
            log.error("dropped a record of {} bytes for {} that the broker refuses as too large (source {}:{})",
                    record.value() == null ? 0 : record.value().length, record.topic(), context.topic(), context.offset());
            return Response.resume();
        }
        return Response.fail();
    }

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }
}
