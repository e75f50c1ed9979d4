package io.cairn.connectors.metadata;

/** One result of the idle-tenant query. */
public record IdleTenant(String tenant, long lastAccessMs) {}
