package dev.orchestrate.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * {@code java -cp tools dev.orchestrate.runtime.HttpDelete URL VARIABLE}: one HTTP DELETE of {@code
 * URL} with {@code Authorization: Bearer $VARIABLE}, exit 0 on a 2xx answer. It ships in the engine
 * runtime ({@code tools/}, {@link EngineRuntime}) so a rented machine's idle watchdog can call the
 * provider's API on the shipped JRE where the image has no curl, wget or python3 (a plain {@code
 * nvidia/cuda} runtime image). The token is read from the environment, never from the command line,
 * so it does not show in {@code ps}. Only {@code java.base}: it is self-contained, one class.
 */
public final class HttpDelete {
  private HttpDelete() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: HttpDelete URL TOKEN_VARIABLE");
      System.exit(2);
    }
    String token = System.getenv(args[1]);
    if (token == null || token.isEmpty()) {
      System.err.println("HttpDelete: $" + args[1] + " is not set");
      System.exit(2);
    }
    HttpURLConnection c = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
    c.setRequestMethod("DELETE");
    c.setInstanceFollowRedirects(false); // the key goes to the Vast API only, never where it points
    c.setConnectTimeout(30_000);
    c.setReadTimeout(30_000);
    c.setRequestProperty("Authorization", "Bearer " + token);
    int code = c.getResponseCode();
    try (InputStream body = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
      if (body != null) {
        body.readAllBytes();
      }
    }
    if (code / 100 != 2) {
      System.err.println("HttpDelete: " + args[0] + " answered HTTP " + code);
      System.exit(1);
    }
  }
}
