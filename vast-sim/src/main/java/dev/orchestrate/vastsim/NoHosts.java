package dev.orchestrate.vastsim;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * API-only instances: the REST behaviour without any process behind the SSH port. For machines
 * without OpenSSH and for tests of the API alone.
 */
final class NoHosts implements HostLauncher {
  @Override
  public Host launch(HostSpec spec) {
    AtomicBoolean stopped = new AtomicBoolean();
    return new Host() {
      @Override
      public int port() {
        return spec.port();
      }

      @Override
      public void authorize(String publicKey) {}

      @Override
      public String log() {
        return stopped.get() ? "" : "API-only simulated instance " + spec.instanceId() + "\n";
      }

      @Override
      public void stop() {
        stopped.set(true);
      }
    };
  }

  @Override
  public String describe() {
    return "api-only";
  }
}
