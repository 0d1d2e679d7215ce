package dev.orchestrate.vast.client;

/** The answer to a create: the new instance's id ({@code new_contract}). */
public record CreatedInstance(long instanceId, long offerId) {}
