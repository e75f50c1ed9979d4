package io.cairn.connectors.metadata;

/** What an upsert did. */
public enum UpsertOutcome {
    /** The state was newer than the stored one (or there was none) and is now stored. */
    APPLIED,
    /** The stored state is at the same or a later applied offset; nothing changed. */
    STALE
}
