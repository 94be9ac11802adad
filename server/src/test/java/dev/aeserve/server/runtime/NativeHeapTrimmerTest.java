package dev.aeserve.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NativeHeapTrimmerTest {

  /** A scheduler the test cranks by hand: tasks wait in a list until {@link #runAll}. */
  static final class HandScheduler implements NativeHeapTrimmer.Scheduler {
    final List<Runnable> waiting = new ArrayList<>();
    final List<Duration> delays = new ArrayList<>();
    boolean closed;

    @Override
    public void schedule(Runnable task, Duration delay) {
      waiting.add(task);
      delays.add(delay);
    }

    void runAll() {
      List<Runnable> now = new ArrayList<>(waiting);
      waiting.clear();
      now.forEach(Runnable::run);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void unloadsCloseTogetherShareOneTrimAndAnUnloadDuringATrimGetsTheNext() {
    HandScheduler scheduler = new HandScheduler();
    AtomicInteger trims = new AtomicInteger();
    NativeHeapTrimmer[] trimmer = new NativeHeapTrimmer[1];
    trimmer[0] = new NativeHeapTrimmer(() -> {
      if (trims.incrementAndGet() == 2) {
        trimmer[0].afterUnload(); // a version unloaded while the allocator is being trimmed
      }
    }, scheduler);

    for (int i = 0; i < 30; i++) {
      trimmer[0].afterUnload();
    }
    assertThat(scheduler.waiting).hasSize(1);
    assertThat(scheduler.delays).containsExactly(NativeHeapTrimmer.DELAY);
    scheduler.runAll();
    assertThat(trims).hasValue(1);

    trimmer[0].afterUnload();
    trimmer[0].afterUnload();
    assertThat(scheduler.waiting).hasSize(1);
    scheduler.runAll();
    assertThat(trims).hasValue(2);
    assertThat(scheduler.waiting).as("the unload during the second trim").hasSize(1);
    scheduler.runAll();
    assertThat(trims).hasValue(3);
    assertThat(scheduler.waiting).isEmpty();

    trimmer[0].close();
    assertThat(scheduler.closed).isTrue();
  }

  /**
   * What the trim is for: blocks freed in the middle of an arena stay resident until trimmed.
   * 48 MiB in blocks of 100 KiB (below glibc's mmap threshold, so they come from an arena), all freed
   * but the last, which keeps the freed ones from being the arena's top that free() shrinks itself.
   */
  @Test
  void trimmingReturnsFreedArenaMemoryToTheSystem() throws Exception {
    assertThat(NativeHeapTrimmer.GlibcHeap.available()).as("glibc's malloc_trim on this Linux machine").isTrue();
    int blocks = 480;
    long size = 100 * 1024;
    long[] addresses = new long[blocks];
    for (int i = 0; i < blocks; i++) {
      addresses[i] = Native.malloc(size);
      new com.sun.jna.Pointer(addresses[i]).setMemory(0, size, (byte) 1);
    }
    for (int i = 0; i < blocks - 1; i++) {
      Native.free(addresses[i]);
    }
    long before = LoadUnloadTest.rssKib();
    NativeHeapTrimmer.GlibcHeap.trim();
    long after = LoadUnloadTest.rssKib();
    Native.free(addresses[blocks - 1]);
    // 47.9 MiB freed; other threads of the JVM may touch a few MiB meanwhile.
    assertThat((before - after) / 1024).as("MiB returned by the trim").isGreaterThanOrEqualTo(32);
  }
}
