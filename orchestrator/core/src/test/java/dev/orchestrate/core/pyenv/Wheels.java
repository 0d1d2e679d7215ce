package dev.orchestrate.core.pyenv;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds small, real, pure-Python wheels (PEP 427) for the tests' package index. */
public final class Wheels {
  /** A wheel's file name and bytes. */
  public record Wheel(String project, String version, String fileName, byte[] bytes) {
    public String sha256() {
      return Wheels.sha256(bytes);
    }
  }

  private Wheels() {}

  /** A fake torch whose {@code torch.version.cuda} is {@code cuda} (null for a CPU build). */
  public static Wheel torch(String version, String cuda) {
    return wheel(
        "torch",
        version,
        Map.of(
            "torch/__init__.py",
            "__version__ = \"" + version + "\"\nfrom . import version\n",
            "torch/version.py",
            "cuda = " + (cuda == null ? "None" : "\"" + cuda + "\"") + "\n"));
  }

  /** A package with one module that knows its own version. */
  public static Wheel module(String project, String version) {
    return wheel(
        project, version, Map.of(project + "/__init__.py", "__version__ = \"" + version + "\"\n"));
  }

  static Wheel wheel(String project, String version, Map<String, String> files) {
    String distInfo = project + "-" + version + ".dist-info/";
    Map<String, byte[]> entries = new LinkedHashMap<>();
    files.forEach((k, v) -> entries.put(k, v.getBytes(StandardCharsets.UTF_8)));
    entries.put(
        distInfo + "METADATA",
        ("Metadata-Version: 2.1\nName: " + project + "\nVersion: " + version + "\n")
            .getBytes(StandardCharsets.UTF_8));
    entries.put(
        distInfo + "WHEEL",
        "Wheel-Version: 1.0\nGenerator: orchestrate-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
            .getBytes(StandardCharsets.UTF_8));
    StringBuilder record = new StringBuilder();
    entries.forEach(
        (name, data) ->
            record
                .append(name)
                .append(",sha256=")
                .append(Base64.getUrlEncoder().withoutPadding().encodeToString(digest(data)))
                .append(',')
                .append(data.length)
                .append('\n'));
    record.append(distInfo).append("RECORD,,\n");
    entries.put(distInfo + "RECORD", record.toString().getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(buf)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry entry = new ZipEntry(e.getKey());
        entry.setTime(0);
        zip.putNextEntry(entry);
        zip.write(e.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Wheel(
        project, version, project + "-" + version + "-py3-none-any.whl", buf.toByteArray());
  }

  static String sha256(byte[] data) {
    return HexFormat.of().formatHex(digest(data));
  }

  private static byte[] digest(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
