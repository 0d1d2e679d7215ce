package dev.orchestrate.vast;

import dev.orchestrate.core.fleet.ChunkQueue;
import dev.orchestrate.core.fleet.FleetBudget;
import dev.orchestrate.core.fleet.FleetProgress;
import dev.orchestrate.core.fleet.ResultMerger;
import dev.orchestrate.core.run.Cancellation;
import java.nio.file.Path;

/**
 * What every machine of one fleet run shares: the queue it takes chunks from, the merger its
 * results go to, the progress view, the fleet's spend, and {@code stop} — the budget's signal to
 * end the work on every machine (Ctrl-C comes through each machine's own run instead) — and {@code
 * events}, where the fleet's own view goes (not marked with one machine's replica).
 */
record FleetWork(
    ChunkQueue queue,
    ResultMerger merger,
    FleetProgress progress,
    FleetBudget budget,
    Cancellation stop,
    Path runDir,
    dev.orchestrate.core.event.EventSink events) {}
