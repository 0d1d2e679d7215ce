package dev.orchestrate.core.retry;

/**
 * Implemented by failures that may be the machine's fault (a host that fails qualification, an
 * instance that never starts): another machine may succeed where this one did not.
 */
public interface MachineFault {
  boolean machineFault();
}
