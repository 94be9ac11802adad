package dev.aeserve.cli;

import java.util.Locale;

/** Sizes on the command line: bytes, or a number with KiB, MiB, GiB (or KB, MB, GB, the same powers of 1024). */
final class ByteSize {

  private ByteSize() {}

  static long parse(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT).replace("IB", "B");
    long unit = 1;
    if (t.endsWith("KB")) {
      unit = 1L << 10;
    } else if (t.endsWith("MB")) {
      unit = 1L << 20;
    } else if (t.endsWith("GB")) {
      unit = 1L << 30;
    } else if (t.endsWith("TB")) {
      unit = 1L << 40;
    }
    String number = unit == 1 ? (t.endsWith("B") ? t.substring(0, t.length() - 1) : t) : t.substring(0, t.length() - 2);
    try {
      long n = Long.parseLong(number.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is not a size; use e.g. 2GiB, 512MiB or a number of bytes");
    }
  }
}
