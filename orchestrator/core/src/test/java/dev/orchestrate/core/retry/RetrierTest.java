package dev.orchestrate.core.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.core.transport.ConnectionLostException;
import dev.orchestrate.core.transport.Endpoint;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetrierTest {
  /** A clock that moves only when the sleeper sleeps; every pause is recorded. */
  static final class FakeTime implements Sleeper {
    final List<Duration> sleeps = new ArrayList<>();
    Instant now = Instant.parse("2026-12-01T00:00:00Z");

    @Override
    public void sleep(Duration d) {
      sleeps.add(d);
      now = now.plus(d);
    }

    Clock clock() {
      return new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };
    }
  }

  static final class Flaky extends RuntimeException implements Transient {
    final Transience transience;

    Flaky(Transience transience) {
      super("flaky " + transience);
      this.transience = transience;
    }

    @Override
    public Transience transience() {
      return transience;
    }
  }

  final FakeTime time = new FakeTime();
  final List<Event> events = new ArrayList<>();
  final Retrier retrier = new Retrier(time.clock(), time, events::add);

  @Test
  void retriesATransientFailureWithGrowingJitteredWaitsAndAnnouncesEachRetry() {
    AtomicInteger calls = new AtomicInteger();
    String result =
        retrier.get(
            RetryPolicyName.VAST_API,
            "show instance 7",
            () -> {
              if (calls.incrementAndGet() < 4) {
                throw new Flaky(Transience.CONNECTION_FAILED);
              }
              return "ok";
            });
    assertEquals("ok", result);
    assertEquals(4, calls.get());
    assertEquals(3, time.sleeps.size());
    RetrySpec spec = RetryPolicyName.VAST_API.spec();
    for (int i = 0; i < 3; i++) {
      Duration d = time.sleeps.get(i);
      Duration nominal = Duration.ofMillis(500L << i);
      assertTrue(d.compareTo(nominal.dividedBy(2)) >= 0, "at least half of nominal: " + d);
      assertTrue(d.compareTo(spec.maxDelayBefore(i + 2)) <= 0, "at most the maximum: " + d);
    }
    assertEquals(3, events.size());
    Warning w = (Warning) events.get(0);
    assertTrue(w.message().startsWith("show instance 7 failed: flaky"), w.message());
    assertTrue(w.hint().contains("2 of 5") && w.hint().contains("VAST_API"), w.hint());
  }

  @Test
  void givesUpAfterTheLastAttemptWithTheCallsOwnException() {
    AtomicInteger calls = new AtomicInteger();
    Flaky last = new Flaky(Transience.NOT_PROCESSED);
    Flaky thrown =
        assertThrows(
            Flaky.class,
            () ->
                retrier.get(
                    RetryPolicyName.VAST_API,
                    "list",
                    () -> {
                      calls.incrementAndGet();
                      throw last;
                    }));
    assertSame(last, thrown);
    assertEquals(5, calls.get());
    assertEquals(4, time.sleeps.size());
  }

  @Test
  void aFailureThePolicyDoesNotRepeatEndsTheCallAtOnce() {
    AtomicInteger calls = new AtomicInteger();
    assertThrows(
        Flaky.class,
        () ->
            retrier.get(
                RetryPolicyName.VAST_API,
                "x",
                () -> {
                  calls.incrementAndGet();
                  throw new Flaky(Transience.PERMANENT);
                }));
    assertEquals(1, calls.get());
    // a create repeats only what was refused before it took effect
    assertThrows(
        Flaky.class,
        () ->
            retrier.get(
                RetryPolicyName.VAST_CREATE,
                "create",
                () -> {
                  calls.incrementAndGet();
                  throw new Flaky(Transience.CONNECTION_FAILED);
                }));
    assertEquals(2, calls.get());
    // a read does not repeat a server's 500, a destroy does (below)
    assertThrows(
        Flaky.class,
        () ->
            retrier.get(
                RetryPolicyName.VAST_API,
                "read",
                () -> {
                  calls.incrementAndGet();
                  throw new Flaky(Transience.SERVER_ERROR);
                }));
    assertEquals(3, calls.get());
    assertTrue(events.isEmpty());
  }

  @Test
  void checkedExceptionsPassThroughUnchangedAndAreNotRetriedUnlessMatched() {
    assertThrows(
        IOException.class,
        () ->
            retrier.get(
                RetryPolicyName.SSH_CONNECT,
                "connect",
                () -> {
                  throw new IOException("refused");
                }));
    assertTrue(time.sleeps.isEmpty());
  }

  @Test
  void noRetryStartsAfterTheDeadline() {
    AtomicInteger calls = new AtomicInteger();
    RetrySpec spec = RetryPolicyName.VAST_DESTROY.spec();
    assertThrows(
        Flaky.class,
        () ->
            retrier.run(
                RetryPolicyName.VAST_DESTROY,
                "destroy",
                () -> {
                  calls.incrementAndGet();
                  time.now = time.now.plusSeconds(20); // each attempt takes 20 s
                  throw new Flaky(Transience.SERVER_ERROR);
                }));
    assertTrue(calls.get() < spec.maxAttempts(), "the deadline, not the attempts, ended it");
    Duration elapsed = Duration.between(Instant.parse("2026-12-01T00:00:00Z"), time.now);
    assertTrue(
        elapsed.compareTo(spec.deadline().plusSeconds(40)) <= 0,
        "the last attempt started before the deadline: " + elapsed);
    assertTrue(elapsed.compareTo(spec.deadline().minus(spec.maxDelay().multipliedBy(2))) > 0);
  }

  @Test
  void theDeadlineCountsFromTheFirstFailureSoALongAttemptThatDropsLateIsResumed() {
    AtomicInteger calls = new AtomicInteger();
    String r =
        retrier.get(
            RetryPolicyName.SYNC_RESUME,
            "sync",
            () -> {
              if (calls.incrementAndGet() == 1) {
                time.now = time.now.plus(Duration.ofHours(7)); // longer than the deadline
                throw new OrchestrateException(ErrorCode.TRANSPORT, "dropped", null);
              }
              return "synced";
            });
    assertEquals("synced", r);
    assertEquals(2, calls.get());
  }

  @Test
  void aStopConditionEndsRetryingAndImmediatePoliciesDoNotWait() {
    AtomicInteger calls = new AtomicInteger();
    Endpoint ep = Endpoint.of("m", "127.0.0.1", 22, "root");
    assertThrows(
        ConnectionLostException.class,
        () ->
            retrier.run(
                RetryPolicyName.SYNC_CHUNK,
                "chunk",
                () -> calls.get() >= 2,
                () -> {
                  calls.incrementAndGet();
                  throw new ConnectionLostException(ep, "while writing", null);
                }));
    assertEquals(2, calls.get());
    assertTrue(time.sleeps.isEmpty());
  }

  @Test
  void anInterruptedWaitEndsWithInterrupted() {
    Retrier interrupted =
        new Retrier(
            time.clock(),
            d -> {
              throw new InterruptedException();
            },
            events::add);
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () ->
                interrupted.run(
                    RetryPolicyName.VAST_API,
                    "list",
                    () -> {
                      throw new Flaky(Transience.NOT_PROCESSED);
                    }));
    assertEquals(ErrorCode.INTERRUPTED, e.code());
    assertTrue(Thread.interrupted(), "the interrupt flag is kept");
  }

  @Test
  void machineFaultsAndTransportErrorsAreTheirPoliciesConditions() {
    class Bad extends RuntimeException implements MachineFault {
      final boolean fault;

      Bad(boolean fault) {
        this.fault = fault;
      }

      @Override
      public boolean machineFault() {
        return fault;
      }
    }
    assertTrue(RetryOn.MACHINE_FAULTS.matches(new Bad(true)));
    assertTrue(!RetryOn.MACHINE_FAULTS.matches(new Bad(false)));
    assertTrue(
        RetryOn.TRANSPORT_ERRORS.matches(
            new OrchestrateException(ErrorCode.TRANSPORT, "refused our key", null)));
    assertTrue(
        !RetryOn.TRANSPORT_ERRORS.matches(
            new OrchestrateException(ErrorCode.PROVIDER, "gone", null)));
  }

  @Test
  void everyPolicyDescribesItselfAndItsWorstCase() {
    for (RetryPolicyName n : RetryPolicyName.values()) {
      RetrySpec s = n.spec();
      String line = n.describe();
      assertTrue(line.startsWith(n.name() + ": " + s.maxAttempts() + " attempt"), line);
      if (s.maxAttempts() > 1) {
        assertEquals(s.deadline(), n.maxTime());
        assertTrue(line.contains("retries " + s.retryOn().description()), line);
      } else {
        assertEquals(Duration.ZERO, n.maxTime());
      }
    }
    assertEquals(
        "SSH_CONNECT: 6 attempts, waits 500ms doubling to 10s ±25%, none started later than 2min"
            + " after the first failure; retries a dropped or refused connection",
        RetryPolicyName.SSH_CONNECT.describe());
    // 0.5 + 1 + 2 + 4 + 8 s, each up to 25% longer
    assertEquals(Duration.ofMillis(19375), RetryPolicyName.SSH_CONNECT.spec().maxWaiting());
  }
}
