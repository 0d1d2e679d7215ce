package dev.orchestrate.engine.generate;

/** Names for the metrics line: backend, device and compute dtype. */
public record BackendInfo(String backend, String device, String dtype) {}
