package dev.orchestrate.core.profile;

/** A place in a profile source: a file (or {@code --set}) and a 1-based line (0: no line). */
public record Where(String file, int line) {}
