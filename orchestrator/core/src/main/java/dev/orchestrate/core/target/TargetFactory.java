package dev.orchestrate.core.target;

/**
 * Makes a {@link Target} from the shared collaborators. Each target module provides one; the CLI's
 * registry maps a {@link dev.orchestrate.core.profile.TargetType} to its factory.
 */
@FunctionalInterface
public interface TargetFactory {
  Target create(TargetContext context);
}
