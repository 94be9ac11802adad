package dev.aeserve.server.runtime;

import dev.aeserve.server.LimitExceededException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which loaded versions give way when a new one must load under a memory budget: the least
 * recently used first, never a pinned one (what an alias or a split sends traffic to), never the
 * one being loaded. Platform teams keep many small models (one per tenant, per sensor); a server
 * holds the ones in use and loads the others on their first call.
 *
 * <p>A version's cost is its weights' bytes times its copies (one per device): the engines hold
 * the parameters once per copy, and a small model's other native memory is a fixed overhead
 * stated in docs/operations.md rather than estimated here.
 *
 * <p>Thread-safe: {@link #touch} runs on every call and takes no lock; reserving and releasing
 * (loads and unloads, which are rare) are synchronized.
 */
final class ModelMemoryBudget {

  /** No budget: nothing is ever evicted. */
  static final long UNLIMITED = 0;

  private static final class Entry {
    final long bytes;
    volatile long lastUsed;

    Entry(long bytes, long lastUsed) {
      this.bytes = bytes;
      this.lastUsed = lastUsed;
    }
  }

  /** A loaded version as it stood when a reservation looked at it. */
  private record Candidate(String key, long lastUsed, long bytes) {}

  private final long budgetBytes;
  private final LongSupplier clock;
  private final Map<String, Entry> loaded = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> pinsByModel = new ConcurrentHashMap<>();
  private long usedBytes;

  /**
   * @param budgetBytes the most the loaded versions may cost together; {@link #UNLIMITED} for no limit
   * @param clock a monotonic clock (nanoseconds) for recency
   */
  ModelMemoryBudget(long budgetBytes, LongSupplier clock) {
    if (budgetBytes < 0) {
      throw new IllegalArgumentException("the model memory budget must be >= 0 bytes, got " + budgetBytes);
    }
    this.budgetBytes = budgetBytes;
    this.clock = clock;
  }

  /** Records a use of a loaded version. */
  void touch(String key) {
    Entry e = loaded.get(key);
    if (e != null) {
      e.lastUsed = clock.getAsLong();
    }
  }

  /**
   * Makes room for {@code key} costing {@code bytes} and counts it as loaded. Returns the versions
   * to unload first, least recently used first.
   *
   * @throws LimitExceededException when even evicting every unpinned version would not make room
   */
  synchronized List<String> reserve(String key, long bytes) {
    List<String> evict = new ArrayList<>();
    if (budgetBytes != UNLIMITED) {
      long free = budgetBytes - usedBytes;
      if (free < bytes) {
        Set<String> pinned = pinned();
        // Each candidate's recency is read once, here: calls keep touching versions while this
        // sorts, and a sort whose keys change under it can fail ("Comparison method violates its
        // general contract", seen as an INTERNAL answer in the many_models benchmark).
        List<Candidate> candidates = new ArrayList<>();
        for (Map.Entry<String, Entry> e : loaded.entrySet()) {
          if (!pinned.contains(e.getKey()) && !e.getKey().equals(key)) {
            candidates.add(new Candidate(e.getKey(), e.getValue().lastUsed, e.getValue().bytes));
          }
        }
        candidates.sort(Comparator.comparingLong(Candidate::lastUsed));
        for (Candidate c : candidates) {
          if (free >= bytes) {
            break;
          }
          evict.add(c.key());
          free += c.bytes();
        }
        if (free < bytes) {
          throw new LimitExceededException("loading " + key + " (" + bytes + " bytes) would exceed the model memory"
              + " budget of " + budgetBytes + " bytes: " + (budgetBytes - free) + " bytes are held by versions that"
              + " aliases or splits pin; raise --model-memory-budget");
        }
        for (String k : evict) {
          release(k);
        }
      }
    }
    loaded.put(key, new Entry(bytes, clock.getAsLong()));
    usedBytes += bytes;
    return evict;
  }

  /** Counts {@code key} as no longer loaded (unloaded, or its load failed). */
  synchronized void release(String key) {
    Entry e = loaded.remove(key);
    if (e != null) {
      usedBytes -= e.bytes;
    }
  }

  /** The versions of {@code model} that must stay loaded while routed to (replaces its earlier pins). */
  void pin(String model, Set<Integer> versions) {
    Set<String> keys = new HashSet<>();
    versions.forEach(v -> keys.add(model + ":" + v));
    pinsByModel.put(model, Set.copyOf(keys));
  }

  Set<String> pinned() {
    Set<String> all = new HashSet<>();
    pinsByModel.values().forEach(all::addAll);
    return all;
  }

  synchronized long usedBytes() {
    return usedBytes;
  }

  long budgetBytes() {
    return budgetBytes;
  }
}
