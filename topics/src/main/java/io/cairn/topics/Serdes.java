package io.cairn.topics;

import io.cairn.topics.avro.CommandResult;
import io.cairn.topics.avro.DeadLetter;
import io.cairn.topics.avro.MigrationEvent;
import io.cairn.topics.avro.TenantAccess;
import io.cairn.topics.avro.TenantCommand;
import io.cairn.topics.avro.TenantState;

/** The serde of each record type, one shared instance each (they are thread-safe). */
public final class Serdes {
    public static final AvroSerde<TenantCommand> COMMAND = new AvroSerde<>(TenantCommand.getClassSchema());
    public static final AvroSerde<CommandResult> RESULT = new AvroSerde<>(CommandResult.getClassSchema());
    public static final AvroSerde<TenantState> STATE = new AvroSerde<>(TenantState.getClassSchema());
    public static final AvroSerde<TenantAccess> ACCESS = new AvroSerde<>(TenantAccess.getClassSchema());
    public static final AvroSerde<DeadLetter> DEAD_LETTER = new AvroSerde<>(DeadLetter.getClassSchema());
    public static final AvroSerde<MigrationEvent> MIGRATION = new AvroSerde<>(MigrationEvent.getClassSchema());

    private Serdes() {}
}
