package dev.orchestrate.core.retry;

/**
 * Implemented by exceptions that know whether repeating their call may help; the policies' {@link
 * RetryOn} conditions read it, so no module's exception type reaches the catalogue.
 */
public interface Transient {
  Transience transience();
}
