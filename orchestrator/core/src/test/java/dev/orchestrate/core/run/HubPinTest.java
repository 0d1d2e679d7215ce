package dev.orchestrate.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.profile.AssetsSection;
import dev.orchestrate.core.profile.InvalidValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubPinTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  @TempDir Path dir;

  @Test
  void aFolderSatisfiesTheSourceItsPinNames() throws IOException {
    assertFalse(HubPin.satisfies(dir, "allenai/OLMo-2-0425-1B@main"), "no pin yet");
    Files.writeString(
        dir.resolve(".pin.json"),
        "{\"schema\":1,\"repo\":\"allenai/OLMo-2-0425-1B\",\"revision\":\"main\",\"commit\":\""
            + COMMIT
            + "\",\"files\":[]}");
    assertTrue(HubPin.satisfies(dir, "allenai/OLMo-2-0425-1B@main"));
    assertTrue(HubPin.satisfies(dir, "allenai/OLMo-2-0425-1B@" + COMMIT));
    assertFalse(HubPin.satisfies(dir, "allenai/OLMo-2-0425-1B@v2"));
    assertFalse(HubPin.satisfies(dir, "allenai/OLMo-2-1124-7B@main"));
    assertTrue(HubPin.satisfies(dir, ""), "no hub source: nothing to check");
    assertEquals(
        "hf://allenai/OLMo-2-0425-1B@" + COMMIT, HubPin.read(dir).orElseThrow().pinnedRef());
  }

  @Test
  void theProfileSourceIsAnHfUrl() {
    assertEquals(
        "allenai/OLMo-2-0425-1B@main",
        new AssetsSection(null, "hf://allenai/OLMo-2-0425-1B").hubRef());
    assertEquals(
        "allenai/OLMo-2-0425-1B@" + COMMIT,
        new AssetsSection(null, "hf://allenai/OLMo-2-0425-1B@" + COMMIT).hubRef());
    assertEquals("", AssetsSection.defaults().hubRef());
    for (String bad : new String[] {"allenai/OLMo", "hf://OLMo", "s3://a/b", "hf://a/b@../x"}) {
      InvalidValue e =
          org.junit.jupiter.api.Assertions.assertThrows(
              InvalidValue.class, () -> new AssetsSection(null, bad), bad);
      assertEquals("source", e.key());
    }
  }

  @Test
  void fetchOnTheTargetIsTheRemoteDefaultForAHubSourceOnly() {
    String src = "hf://allenai/OLMo-2-0425-1B";
    assertTrue(new AssetsSection(null, src).fetchesOnTarget(true), "vast: the machine pulls");
    assertFalse(new AssetsSection(null, src).fetchesOnTarget(false), "local targets: this host");
    assertFalse(new AssetsSection(null, src, "local").fetchesOnTarget(true), "local: upload");
    assertTrue(new AssetsSection(null, src, "target").fetchesOnTarget(true));
    assertFalse(AssetsSection.defaults().fetchesOnTarget(true), "no Hub source: nothing to fetch");
    for (String[] bad : new String[][] {{src, "laptop"}, {null, "target"}}) {
      InvalidValue e =
          org.junit.jupiter.api.Assertions.assertThrows(
              InvalidValue.class, () -> new AssetsSection(null, bad[0], bad[1]), bad[1]);
      assertEquals("fetch", e.key());
    }
  }
}
