package dev.orchestrate.engine.cli;

import java.io.PrintStream;

/** Where commands write: results to {@code out}, progress and errors to {@code err}. */
public record Console(PrintStream out, PrintStream err) {}
