package dev.aeserve.server.routing;

import dev.aeserve.registry.TrafficSplit;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks a split's primary arm for a call. A routing key hashes, with the split's salt, to one of
 * {@link TrafficSplit#BUCKETS} buckets, and the split says which version owns each bucket: the
 * same key stays on the same arm while the split holds, and a weight change moves only the
 * buckets (so the keys) it must. A call without a key gets a random bucket, so arms still get
 * their weight.
 */
public final class StickyRouter {

  private StickyRouter() {}

  /** The version serving {@code routingKey} (empty: a random bucket). */
  public static int route(TrafficSplit split, String routingKey) {
    int bucket = routingKey == null || routingKey.isEmpty()
        ? ThreadLocalRandom.current().nextInt(TrafficSplit.BUCKETS)
        : bucket(split.salt(), routingKey);
    return split.buckets()[bucket];
  }

  /**
   * The bucket of a key: FNV-1a over the salt and the key's UTF-8 bytes, finished with
   * SplitMix64's mixer so that similar keys scatter, then reduced to [0, BUCKETS).
   */
  public static int bucket(long salt, String key) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < 8; i++) {
      h = (h ^ ((salt >>> (8 * i)) & 0xff)) * 0x100000001b3L;
    }
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return (int) Long.remainderUnsigned(h, TrafficSplit.BUCKETS);
  }
}
