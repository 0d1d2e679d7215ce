package dev.orchestrate.hub;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The stages behind a download's receiver: a writer thread puts each filled buffer into the part
 * file and a hasher thread feeds it to the digest, both in order, while the receiver fills the next
 * one; so on a machine with a spare core neither writing nor verifying costs wall time. The buffers
 * are direct and block-aligned: the socket reads into them, {@link PartWriter} writes them (with
 * {@code O_DIRECT} where asked to) and the digest reads them, with no copy in between. They go
 * round a small pool: the receiver takes a free one, fills it and hands it over; it is free again
 * when both stages are done with it.
 */
final class BodyPipe implements AutoCloseable {
  // 1 MiB: direct writes of this size keep the disk busy (writes through the page cache are
  // sliced smaller: PartWriter); 8 of them keep both stages fed.
  private static final int BUFFERS = 8;
  static final int BUFFER_SIZE = 1 << 20;

  private final PartWriter out;
  private final Consumer<ByteBuffer> hash;
  private final ArrayBlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
  private final ExecutorService writer = stage("hub-write");
  private final ExecutorService hasher = stage("hub-hash");
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private long next; // file offset of the next byte handed over
  private int made; // buffers allocated so far (the receiving thread's count)

  /**
   * A pipe that writes to {@code out} from file offset {@code start} and feeds every buffer to
   * {@code hash} (a {@link FileDigest}'s update), in order, on a thread of its own.
   */
  BodyPipe(PartWriter out, Consumer<ByteBuffer> hash, long start) {
    this.out = out;
    this.hash = hash;
    this.next = start;
  }

  private static ExecutorService stage(String name) {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * How many bytes the next buffer should take: a whole buffer, except that after a resume at an
   * offset that is not block-aligned the first one only goes up to the next block, so that every
   * later buffer starts on a block and can be written directly.
   */
  int room() {
    int a = out.alignment();
    return next % a == 0 ? BUFFER_SIZE : (int) (a - next % a);
  }

  /**
   * A free buffer to fill, cleared; made on first need (a small file needs one), and once all are
   * made, waits while all are in use. Throws the failure of a stage, so the receiver stops.
   */
  ByteBuffer buffer() throws InterruptedException {
    rethrow();
    ByteBuffer b = free.poll();
    if (b == null && made < BUFFERS) {
      made++;
      int a = out.alignment();
      return ByteBuffer.allocateDirect(BUFFER_SIZE + a).alignedSlice(a).limit(BUFFER_SIZE);
    }
    return (b != null ? b : free.take()).clear().limit(BUFFER_SIZE);
  }

  /**
   * Writes and hashes {@code buf} (from {@link #buffer()}) from its position to its limit, after
   * every buffer handed over before it; the caller does not touch it afterwards.
   */
  void accept(ByteBuffer buf) {
    long at = next;
    next += buf.remaining();
    AtomicInteger users = new AtomicInteger(2);
    ByteBuffer toWrite = buf.duplicate();
    ByteBuffer toHash = buf.duplicate();
    writer.execute(
        () -> {
          try {
            if (failure.get() == null) { // never a write after a failed one: no hole in the part
              out.write(toWrite, at);
            }
          } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
          } finally {
            release(buf, users);
          }
        });
    hasher.execute(
        () -> {
          try {
            hash.accept(toHash);
          } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
          } finally {
            release(buf, users);
          }
        });
  }

  private void release(ByteBuffer buf, AtomicInteger users) {
    if (users.decrementAndGet() == 0) {
      free.add(buf);
    }
  }

  /** Gives back a buffer that was not filled. */
  void giveBack(ByteBuffer buf) {
    free.add(buf);
  }

  /** Waits until every handed-over byte is written and in the digest; throws a stage's failure. */
  void drain() throws InterruptedException {
    writer.shutdown();
    hasher.shutdown();
    writer.awaitTermination(1, TimeUnit.HOURS);
    hasher.awaitTermination(1, TimeUnit.HOURS);
    rethrow();
  }

  private void rethrow() {
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  /** Stops both stages and waits for them, so nothing touches the file or hash afterwards. */
  @Override
  public void close() {
    writer.shutdown();
    hasher.shutdown();
    boolean interrupted = false;
    for (ExecutorService s : new ExecutorService[] {writer, hasher}) {
      while (true) {
        try {
          if (s.awaitTermination(1, TimeUnit.HOURS)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
