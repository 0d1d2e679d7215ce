package dev.orchestrate.vast.client;

/** An SSH public key registered with Vast (account-wide or on one instance). */
public record SshKey(long id, String publicKey) {}
