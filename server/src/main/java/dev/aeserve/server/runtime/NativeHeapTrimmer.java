package dev.aeserve.server.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the C allocator's free pages back to the system after versions are unloaded.
 *
 * <p>Why: an engine allocates a version's weights with malloc, and glibc serves blocks of a few
 * hundred KiB from its arenas once its dynamic mmap threshold has risen (it rises the first time a
 * mapped block is freed). Versions loaded and evicted in turn leave holes in those arenas that the
 * allocator keeps: in the many_models benchmark the native RSS grew by about 1 MiB per load and
 * eviction. {@code malloc_trim(0)} returns every free page of every arena (glibc 2.8 and later).
 *
 * <p>The alternative, a fixed {@code MALLOC_MMAP_THRESHOLD_}, maps every large block on its own, and
 * that includes the engines' activations: each batch then maps, faults in and unmaps fresh pages,
 * which cost the engine alone 10-30 % of its rows/s on a W1-large batch (docs/benchmarks-analysis.md).
 * Trimming costs nothing on the request path.
 *
 * <p>Trims are coalesced: {@code malloc_trim} walks every arena, 3-10 ms at the sizes the benchmark
 * reaches, and a server evicting thirty versions a second must not spend a third of a core on it. One
 * trim runs {@link #DELAY} after the first unload that finds none pending, so it also catches memory
 * an engine frees on its own threads shortly after a model is closed (MXNet frees asynchronously).
 * Where there is no glibc (musl, macOS) trimming is a no-op.
 */
final class NativeHeapTrimmer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NativeHeapTrimmer.class);

  /** How long after an unload the trim runs; at most one trim per this interval. */
  static final Duration DELAY = Duration.ofMillis(250);

  /** When a task runs: a real scheduled executor, or a test's hand-cranked one. */
  interface Scheduler extends AutoCloseable {
    void schedule(Runnable task, Duration delay);

    @Override
    void close();
  }

  private final Runnable trim;
  private final Scheduler scheduler;
  private final AtomicBoolean pending = new AtomicBoolean();

  NativeHeapTrimmer(Runnable trim, Scheduler scheduler) {
    this.trim = trim;
    this.scheduler = scheduler;
  }

  /** glibc's {@code malloc_trim} on a daemon thread of its own. */
  static NativeHeapTrimmer forThisProcess() {
    return new NativeHeapTrimmer(GlibcHeap::trim, daemonScheduler());
  }

  /** An unload has freed (or is about to free) engine memory: trim soon, once for all of them. */
  void afterUnload() {
    if (pending.compareAndSet(false, true)) {
      scheduler.schedule(() -> {
        // Cleared first: an unload during the trim schedules the next one.
        pending.set(false);
        trim.run();
      }, DELAY);
    }
  }

  @Override
  public void close() {
    scheduler.close();
  }

  private static Scheduler daemonScheduler() {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aeserve-heap-trim");
      t.setDaemon(true);
      return t;
    });
    return new Scheduler() {
      @Override
      public void schedule(Runnable task, Duration delay) {
        try {
          executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
          // The runtime is closing: the process gives everything back soon.
        }
      }

      @Override
      public void close() {
        executor.shutdownNow();
      }
    };
  }

  /** glibc's allocator, through JNA (which DJL already loads). */
  static final class GlibcHeap {
    private interface C extends Library {
      /** Returns 1 when memory was released to the system, 0 when there was none to release. */
      int malloc_trim(long pad);
    }

    private static final C LIBC = load();

    private GlibcHeap() {}

    private static C load() {
      try {
        C c = Native.load("c", C.class);
        c.malloc_trim(0);
        return c;
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        log.info("no glibc malloc_trim here ({}); unloaded versions' native memory stays with the allocator",
            e.toString());
        return null;
      }
    }

    /** Whether this process can trim (Linux with glibc). */
    static boolean available() {
      return LIBC != null;
    }

    static void trim() {
      if (LIBC != null) {
        LIBC.malloc_trim(0);
      }
    }
  }
}
