package dev.aeserve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU seconds a process has used (user + system), from {@code /proc/PID/stat}: the profile that
 * says where a 2-core machine's time went during a run, the server's or the load generator's.
 */
final class CpuTime {

  /** Linux reports stat times in clock ticks; USER_HZ is 100 on every mainstream kernel. */
  private static final double TICKS_PER_SECOND = 100.0;

  private CpuTime() {}

  static double seconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // Fields after the command name (which may contain spaces) start after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  static double self() {
    return seconds(ProcessHandle.current().pid());
  }
}
