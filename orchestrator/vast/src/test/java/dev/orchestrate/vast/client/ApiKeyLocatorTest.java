package dev.orchestrate.vast.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyLocatorTest {
  @TempDir Path home;
  private final List<String> warnings = new ArrayList<>();

  private Path write(Path file, String text, String perms) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(perms));
    return file;
  }

  @Test
  void environmentWinsOverFiles() throws Exception {
    write(home.resolve(".config/vastai/vast_api_key"), "from-file-123", "rw-------");
    ApiKey key =
        new ApiKeyLocator(Map.of("VAST_API_KEY", " from-env-123\n"), home, warnings::add).require();
    assertEquals("from-env-123", key.value());
    assertEquals("VAST_API_KEY", key.source());
  }

  @Test
  void xdgConfigHomeThenDefaultConfigThenLegacy() throws Exception {
    Path xdg = home.resolve("xdg");
    write(home.resolve(".vast_api_key"), "legacy-key-1", "rw-------");
    ApiKeyLocator noXdg = new ApiKeyLocator(Map.of(), home, warnings::add);
    assertEquals("legacy-key-1", noXdg.require().value());
    write(home.resolve(".config/vastai/vast_api_key"), "config-key-1\n", "rw-------");
    assertEquals("config-key-1", noXdg.require().value());
    ApiKeyLocator withXdg =
        new ApiKeyLocator(Map.of("XDG_CONFIG_HOME", xdg.toString()), home, warnings::add);
    assertEquals("legacy-key-1", withXdg.require().value());
    write(xdg.resolve("vastai/vast_api_key"), "xdg-key-1", "rw-------");
    assertEquals("xdg-key-1", withXdg.require().value());
    assertTrue(warnings.isEmpty(), warnings.toString());
  }

  @Test
  void aKeyFileOthersCanReadEarnsAWarningWithoutTheKey() throws Exception {
    write(home.resolve(".vast_api_key"), "shared-key-123", "rw-r--r--");
    ApiKey key = new ApiKeyLocator(Map.of(), home, warnings::add).require();
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("chmod 600"));
    assertFalse(warnings.get(0).contains("shared-key-123"));
    assertFalse(key.toString().contains("shared-key-123"));
  }

  @Test
  void noKeyAnywhereSaysWhereToPutIt() {
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> new ApiKeyLocator(Map.of(), home, warnings::add).require());
    assertTrue(e.hint().orElseThrow().contains("VAST_API_KEY"));
    assertTrue(e.hint().orElseThrow().contains(".config/vastai/vast_api_key"));
  }
}
