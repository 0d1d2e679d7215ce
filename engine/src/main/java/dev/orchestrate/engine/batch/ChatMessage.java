package dev.orchestrate.engine.batch;

/** One turn of a {@code messages} prompt: {@code {"role": ..., "content": ...}}. */
public record ChatMessage(String role, String content) {}
