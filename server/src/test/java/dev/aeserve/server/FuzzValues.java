package dev.aeserve.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Field values for the API fuzz test, drawn from one seeded {@link Random}: mostly the extremes
 * that break parsers and arithmetic (0, 1, -1 read as uint32 4294967295, 2^31, 2^63, NaN, the
 * infinities, +-3.4e38, NUL, unpaired surrogates, huge strings), some plain random values, and
 * sane values often enough that requests get past the first check.
 */
final class FuzzValues {

  private static final int[] INTS = {0, 1, 2, 3, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 16, 63, 64, 65, 100, 101,
      1000, 1001, 4096, 4097, 8192, 8193, 65536, 1 << 30};
  private static final long[] LONGS = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, (1L << 32) - 1,
      Integer.MAX_VALUE, 1L << 62, 64L << 20, (512L << 20) + 1, (1L << 30) + 1};
  private static final float[] FLOATS = {0f, -0f, 1f, -1f, 0.5f, Float.NaN, Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY, 3.4e38f, -3.4e38f, Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 5f, -3f, 1e-30f,
      100f, 101f, 2f};
  private static final double[] DOUBLES = {0, -0.0, 1, -1, 0.5, Double.NaN, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, 3.4e38, -3.4e38, Double.MAX_VALUE, Double.MIN_VALUE, 1e308, -1e308, 100, 150, 99};
  private static final List<String> STRINGS = List.of("", "a", " ", "\0", "a\0b", "ae\0", "\u6a21\u578b",
      "\ud83d\ude00", "\u202emodel", "caf\u00e9", "-", "-leading", "UPPER", "a b", "../../etc/passwd",
      "latest", "production", "null", "%s%n", "x".repeat(63), "x".repeat(64), "\n\r\t");

  final Random random;

  FuzzValues(Random random) {
    this.random = random;
  }

  boolean chance(double p) {
    return random.nextDouble() < p;
  }

  <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  /** A uint32 or int32 field: an extreme, or any 32 bits. */
  int anyInt() {
    return chance(0.8) ? INTS[random.nextInt(INTS.length)] : random.nextInt();
  }

  /** Small and sane with probability {@code p}: in [lo, hi]; else {@link #anyInt()}. */
  int intOr(double p, int lo, int hi) {
    return chance(p) ? lo + random.nextInt(hi - lo + 1) : anyInt();
  }

  long anyLong() {
    return chance(0.8) ? LONGS[random.nextInt(LONGS.length)] : random.nextLong();
  }

  float anyFloat() {
    return chance(0.7) ? FLOATS[random.nextInt(FLOATS.length)] : (float) (random.nextGaussian() * Math.pow(10,
        random.nextInt(20) - 5));
  }

  /** A value in [0, 1) with probability {@code p}, else {@link #anyFloat()}. */
  float unitOr(double p) {
    return chance(p) ? random.nextFloat() : anyFloat();
  }

  double anyDouble() {
    return chance(0.8) ? DOUBLES[random.nextInt(DOUBLES.length)] : random.nextGaussian() * 1e3;
  }

  /** A string that is not meant to be valid: odd characters, odd lengths, now and then 64 KiB to 1 MiB. */
  String anyString() {
    return chance(0.02) ? "y".repeat(1 << (16 + random.nextInt(5))) : shortString();
  }

  /** As {@link #anyString()} but at most about 2,000 characters: for fields repeated many times. */
  String shortString() {
    double p = random.nextDouble();
    if (p < 0.5) {
      return pick(STRINGS);
    }
    if (p < 0.8) {
      return randomText(1 + random.nextInt(40));
    }
    return randomAscii(64 + random.nextInt(2000));
  }

  /**
   * Random code points, NUL included. No unpaired surrogates: a Java client cannot send them (protobuf
   * replaces them); ill-formed UTF-8 reaches the server through the raw-bytes calls instead.
   */
  String randomText(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int kind = random.nextInt(4);
      b.append(switch (kind) {
        case 0 -> (char) ('a' + random.nextInt(26));
        case 1 -> (char) random.nextInt(0x80);
        case 2 -> (char) random.nextInt(Character.MIN_SURROGATE);
        default -> new String(Character.toChars(Character.MIN_SUPPLEMENTARY_CODE_POINT
            + random.nextInt(Character.MAX_CODE_POINT + 1 - Character.MIN_SUPPLEMENTARY_CODE_POINT)));
      });
    }
    return b.toString();
  }

  String randomAscii(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (0x20 + random.nextInt(0x5f));
    }
    return new String(b, StandardCharsets.US_ASCII);
  }

  byte[] bytes(int maxLength) {
    byte[] b = new byte[random.nextInt(maxLength + 1)];
    random.nextBytes(b);
    return b;
  }

  /** A name that follows the model-name rule but names nothing. */
  String unknownName() {
    return "nx-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
  }
}
