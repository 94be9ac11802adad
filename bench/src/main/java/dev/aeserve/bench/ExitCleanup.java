package dev.aeserve.bench;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the suite must undo if it exits without closing it (SIGTERM, Ctrl-C, an error thrown past a
 * try): servers to stop, scratch directories to delete. One JVM exit hook runs them one at a time,
 * the last registered first, as try-with-resources would have: a server started on a scratch
 * registry stops (with its Postgres) before that registry's directory is deleted. Separate hooks
 * would run at once and delete a directory under a server still using it.
 */
final class ExitCleanup {

  /** One thing to undo at exit. */
  interface Step {
    void run() throws Exception;
  }

  private static final Deque<Step> STEPS = new ArrayDeque<>();
  private static boolean hooked;
  private static boolean exiting;

  private ExitCleanup() {}

  /**
   * Registers {@code step} to run at exit unless {@link #done} is called first. Throws
   * IllegalStateException once the JVM is exiting: start nothing new then.
   */
  static synchronized void register(Step step) {
    if (exiting) {
      throw new IllegalStateException("the benchmark is exiting");
    }
    if (!hooked) {
      Runtime.getRuntime().addShutdownHook(new Thread(ExitCleanup::runAll, "aeserve-bench-exit-cleanup"));
      hooked = true;
    }
    STEPS.push(step);
  }

  /** {@code step} was undone by its owner: nothing to do for it at exit. */
  static synchronized void done(Step step) {
    STEPS.remove(step);
  }

  private static void runAll() {
    while (true) {
      Step next;
      synchronized (ExitCleanup.class) {
        exiting = true;
        next = STEPS.poll();
      }
      if (next == null) {
        return;
      }
      try {
        next.run();
      } catch (Exception e) {
        System.err.println("benchmark clean-up at exit failed: " + e);
      }
    }
  }
}
