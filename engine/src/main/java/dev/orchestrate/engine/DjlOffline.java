package dev.orchestrate.engine;

/**
 * Keeps DJL from reaching the network: its native libraries (libtorch from pytorch-native-cpu,
 * libtokenizers from the tokenizers jar) come from the class path, and offline mode turns a missing
 * one into an error instead of a download attempt. Settings the user made explicitly win.
 */
public final class DjlOffline {
  private DjlOffline() {}

  public static void configure() {
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("RUST_FLAVOR", "cpu");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null && System.getenv(key) == null) {
      System.setProperty(key, value);
    }
  }
}
