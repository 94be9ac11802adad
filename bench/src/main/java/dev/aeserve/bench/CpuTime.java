package dev.aeserve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU seconds a process has used (user + system), from {@code /proc/PID/stat}: the server's own
 * accounting, which says what each request cost it whatever else the machine was doing.
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

  /**
   * A process and its live descendants together: TorchServe's frontend JVM and its Python
   * workers, or aeserve's JVM (with its embedded Postgres where that stays a descendant; the
   * database is idle during the workloads but for many_models' cold loads). A descendant that exits during a run takes its ticks with it, so
   * the suite measures only while the process tree is steady.
   */
  static double tree(ProcessHandle root) {
    double total = seconds(root.pid());
    for (ProcessHandle child : root.descendants().toList()) {
      double s = seconds(child.pid());
      if (!Double.isNaN(s)) {
        total += s;
      }
    }
    return total;
  }

  static double self() {
    return seconds(ProcessHandle.current().pid());
  }
}
