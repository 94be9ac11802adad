package dev.aeserve.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.server.LimitExceededException;
import java.util.Set;
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
