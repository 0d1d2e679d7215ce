package dev.orchestrate.core.run;

/**
 * What happens to a machine this run created once the engine has ended: a one-shot {@code up
 * --prompt} destroys it (unless {@code --keep}); an interactive {@code up} and {@code run} keep it.
 */
public enum Teardown {
  KEEP,
  DESTROY
}
