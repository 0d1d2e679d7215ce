package dev.orchestrate.kubernetes;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Follows the engine container's log of every pod once it has one, each on its own thread, as
 * {@link LogLine}s whose source is the pod's index ({@code pod-3}); lines from different pods
 * interleave as they arrive, each pod's in its order. Result lines ({@code {"type":"result",...}})
 * stay off the terminal: the results come from each pod's whole log once it succeeded ({@link
 * ResultCollector}), which a dropped stream cannot lose.
 */
final class PodLogs implements AutoCloseable {
  private final Cluster cluster;
  private final EventSink events;
  private final Clock clock;
  private final Set<String> followed = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "pod-log");
            t.setDaemon(true);
            return t;
          });

  PodLogs(Cluster cluster, EventSink events, Clock clock) {
    this.cluster = cluster;
    this.events = events;
    this.clock = clock;
  }

  /** Starts following {@code pod}'s log unless it is followed already or has none yet. */
  void follow(PodView pod) {
    if (!pod.hasLog() || !followed.add(pod.name())) {
      return;
    }
    threads.execute(() -> read(pod));
  }

  private void read(PodView pod) {
    try (LogWatch watch =
            cluster
                .client()
                .pods()
                .inNamespace(cluster.namespace())
                .withName(pod.name())
                .inContainer(JobManifest.ENGINE)
                .watchLog();
        BufferedReader in =
            new BufferedReader(new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!ResultCollector.isResult(line)) {
          events.accept(new LogLine(clock.instant(), pod.source(), LogLine.Stream.STDOUT, line));
        }
      }
    } catch (IOException | RuntimeException e) {
      events.accept(
          new LogLine(
              clock.instant(),
              pod.source(),
              LogLine.Stream.STDERR,
              "(log stream of " + pod.name() + " ended: " + e.getMessage() + ")"));
    }
  }

  /** Waits (bounded) for the streams of pods that ended to drain. */
  @Override
  public void close() {
    threads.shutdown();
    try {
      if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
        threads.shutdownNow();
      }
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
