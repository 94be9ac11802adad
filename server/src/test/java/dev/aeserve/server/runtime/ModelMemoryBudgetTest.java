package dev.aeserve.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.server.LimitExceededException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ModelMemoryBudgetTest {

  private final AtomicLong now = new AtomicLong();
  private final ModelMemoryBudget budget = new ModelMemoryBudget(300, now::incrementAndGet);

  @Test
  void theLeastRecentlyUsedGiveWayFirst() {
    assertThat(budget.reserve("a:1", 100)).isEmpty();
    assertThat(budget.reserve("b:1", 100)).isEmpty();
    assertThat(budget.reserve("c:1", 100)).isEmpty();
    budget.touch("a:1");
    // b is now the least recently used; one eviction makes room for 100 more.
    assertThat(budget.reserve("d:1", 100)).containsExactly("b:1");
    // Two must go for 200: c, then a (d was just loaded).
    assertThat(budget.reserve("e:1", 200)).containsExactly("c:1", "a:1");
    assertThat(budget.usedBytes()).isEqualTo(300);
  }

  @Test
  void pinnedVersionsNeverGiveWay() {
    budget.reserve("a:1", 100);
    budget.reserve("a:2", 100);
    budget.reserve("b:1", 100);
    budget.pin("a", Set.of(1));
    assertThat(budget.reserve("c:1", 100)).containsExactly("a:2");
    assertThat(budget.reserve("d:1", 200)).containsExactly("b:1", "c:1");
    budget.pin("d", Set.of(1));
    assertThatThrownBy(() -> budget.reserve("e:1", 100)).isInstanceOf(LimitExceededException.class)
        .hasMessageContaining("--model-memory-budget");
    // A refused reservation changes nothing.
    assertThat(budget.usedBytes()).isEqualTo(300);
    // Pins are per model and replaced as routing changes.
    budget.pin("a", Set.of());
    assertThat(budget.reserve("e:1", 100)).containsExactly("a:1");
  }

  /**
   * Calls touch versions while a reservation sorts them by recency. Every reservation must make
   * room and evict only unpinned versions other than the one loading, however the touches
   * interleave; a sort that read recency while it changed failed here with "Comparison method
   * violates its general contract" (an INTERNAL answer in the many_models benchmark).
   */
  @Test
  void reservationsHoldWhileCallsTouchVersionsConcurrently() throws Exception {
    int versions = 400;
    ModelMemoryBudget shared = new ModelMemoryBudget(versions, System::nanoTime);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < versions; i++) {
      keys.add("m" + i + ":1");
      shared.reserve(keys.get(i), 1);
    }
    shared.pin("m0", Set.of(1));
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> touchers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      int seed = t;
      Thread toucher = new Thread(() -> {
        java.util.Random random = new java.util.Random(seed);
        while (!stop.get()) {
          shared.touch(keys.get(random.nextInt(versions)));
        }
      });
      toucher.setDaemon(true);
      toucher.start();
      touchers.add(toucher);
    }
    try {
      for (int round = 0; round < 3_000; round++) {
        // One version grows to two bytes: exactly one other must give way, never the pinned one.
        String incoming = keys.get(1 + round % (versions - 1));
        shared.release(incoming);
        List<String> evicted = shared.reserve(incoming, 2);
        assertThat(evicted).hasSize(1).doesNotContain("m0:1", incoming);
        assertThat(shared.usedBytes()).isEqualTo(versions);
        // Back to one byte each, the evicted one loaded again: nothing else gives way.
        shared.release(incoming);
        assertThat(shared.reserve(incoming, 1)).isEmpty();
        assertThat(shared.reserve(evicted.get(0), 1)).isEmpty();
        assertThat(shared.usedBytes()).isEqualTo(versions);
      }
    } finally {
      stop.set(true);
      for (Thread t : touchers) {
        t.join();
      }
    }
  }

  @Test
  void releasedVersionsFreeTheirBytesAndWithoutABudgetNothingGivesWay() {
    budget.reserve("a:1", 250);
    budget.release("a:1");
    budget.release("a:1");
    assertThat(budget.usedBytes()).isZero();
    ModelMemoryBudget unlimited = new ModelMemoryBudget(ModelMemoryBudget.UNLIMITED, now::incrementAndGet);
    for (int i = 0; i < 1000; i++) {
      assertThat(unlimited.reserve("m" + i + ":1", 1L << 30)).isEmpty();
    }
  }
}
