package dev.aeserve.server.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.registry.TrafficSplit;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The sticky hash and the selector a call names. The bucket of a key must be the same on every
 * server of a fleet and across releases (or sticky callers move arms on an upgrade), so it is
 * checked against an independent reading of its definition: FNV-1a over the salt's eight
 * little-endian bytes and the key's UTF-8 bytes, SplitMix64's finaliser, and the unsigned
 * remainder by {@link TrafficSplit#BUCKETS}, here in {@link BigInteger} arithmetic modulo 2^64.
 */
class StickyRouterTest {

  private static final BigInteger MOD = BigInteger.ONE.shiftLeft(64);
  private static final BigInteger FNV_PRIME = BigInteger.valueOf(0x100000001b3L);

  private static BigInteger u64(long v) {
    return new BigInteger(Long.toUnsignedString(v));
  }

  private static BigInteger xorShift(BigInteger h, int shift) {
    return h.xor(h.shiftRight(shift));
  }

  private static int referenceBucket(long salt, String key) {
    BigInteger h = u64(0xcbf29ce484222325L);
    byte[] saltBytes = new byte[8];
    for (int i = 0; i < 8; i++) {
      saltBytes[i] = (byte) (salt >>> (8 * i));
    }
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    for (byte[] part : List.of(saltBytes, keyBytes)) {
      for (byte b : part) {
        h = h.xor(BigInteger.valueOf(b & 0xff)).multiply(FNV_PRIME).mod(MOD);
      }
    }
    h = xorShift(h, 30).multiply(u64(0xbf58476d1ce4e5b9L)).mod(MOD);
    h = xorShift(h, 27).multiply(u64(0x94d049bb133111ebL)).mod(MOD);
    h = xorShift(h, 31);
    return h.mod(BigInteger.valueOf(TrafficSplit.BUCKETS)).intValueExact();
  }

  @Test
  void theBucketOfAKeyFollowsItsDefinitionForAnySaltAndKey() {
    Random random = new Random(18);
    List<String> keys = List.of("", "user-1", "user-2", "ü-ñ-日本", "a".repeat(300));
    for (int i = 0; i < 2000; i++) {
      long salt = random.nextLong();
      String key = i < keys.size() ? keys.get(i) : "key-" + random.nextInt() + "-" + (char) (' ' + random.nextInt(200));
      int bucket = StickyRouter.bucket(salt, key);
      assertThat(bucket).as("salt %d key %s", salt, key).isEqualTo(referenceBucket(salt, key));
    }
  }

  @Test
  void bucketsSpreadOverTheWholeRangeAndDependOnTheSalt() {
    Set<Integer> seen = new HashSet<>();
    int moved = 0;
    for (int i = 0; i < 20_000; i++) {
      int b = StickyRouter.bucket(42, "user-" + i);
      assertThat(b).isBetween(0, TrafficSplit.BUCKETS - 1);
      seen.add(b);
      if (b != StickyRouter.bucket(43, "user-" + i)) {
        moved++;
      }
    }
    // 20,000 keys over 10,000 buckets leave about e^-2 (13.5 %) of them empty; a hash that used
    // part of the range would leave far more.
    assertThat(seen.size()).isGreaterThan(8_000);
    assertThat(moved).as("another salt reshuffles the keys").isGreaterThan(19_000);
  }

  private static TrafficSplit halfAndHalf(long salt) {
    int[] owners = new int[TrafficSplit.BUCKETS];
    Arrays.fill(owners, 0, TrafficSplit.BUCKETS / 2, 1);
    Arrays.fill(owners, TrafficSplit.BUCKETS / 2, TrafficSplit.BUCKETS, 2);
    return new TrafficSplit("m", List.of(new TrafficSplit.Arm(1, 50), new TrafficSplit.Arm(2, 50)), List.of(), salt,
        owners, null, null);
  }

  @Test
  void aKeyGoesToTheOwnerOfItsBucketEveryTime() {
    TrafficSplit split = halfAndHalf(7);
    Set<Integer> versions = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String key = "caller-" + i;
      int version = StickyRouter.route(split, key);
      assertThat(version).isEqualTo(split.buckets()[StickyRouter.bucket(7, key)]);
      assertThat(StickyRouter.route(split, key)).isEqualTo(version);
      versions.add(version);
    }
    assertThat(versions).containsExactlyInAnyOrder(1, 2);
  }

  @Test
  void aCallWithoutAKeyGetsARandomBucketSoEveryArmGetsTraffic() {
    TrafficSplit split = halfAndHalf(7);
    int[] counts = new int[3];
    for (int i = 0; i < 400; i++) {
      counts[StickyRouter.route(split, "")]++;
      counts[StickyRouter.route(split, null)]++;
    }
    // Each arm owns half the buckets: a fixed bucket for empty keys would send all 800 to one.
    assertThat(counts[1]).isBetween(250, 550);
    assertThat(counts[2]).isBetween(250, 550);
  }

  @Test
  void aSelectorNamesAVersionOrAnAliasNeverBoth() {
    assertThatThrownBy(() -> new ModelSelector("m", 1L, "production", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a selector names a version or an alias, not both");
    assertThatThrownBy(() -> new ModelSelector(null, null, null, ""))
        .isInstanceOf(NullPointerException.class);
    assertThat(new ModelSelector("m", null, "production", null).routingKey()).isEmpty();
    assertThat(new ModelSelector("m", null, null, "k").routingKey()).isEqualTo("k");
    assertThat(ModelSelector.latest("m")).isEqualTo(new ModelSelector("m", null, null, ""));
    assertThat(ModelSelector.version("m", 3)).isEqualTo(new ModelSelector("m", 3L, null, ""));
  }
}
