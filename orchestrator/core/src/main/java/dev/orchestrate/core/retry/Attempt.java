package dev.orchestrate.core.retry;

/** One try of a retried call. */
@FunctionalInterface
public interface Attempt<T, E extends Exception> {
  T call() throws E;
}
