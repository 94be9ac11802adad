package dev.aeserve.server;

import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.internal.Engines;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's native runtime, initialized on a thread of its own while the server builds its
 * services and binds its ports, which do not need it. Otherwise the first model load pays for it
 * (about half a second for MXNet, measured in the start benchmark), and a server's start is its
 * loads. A start that preloads waits for it before loading anything; a failure here is only logged, because
 * the first load meets the same failure and reports it where it matters.
 */
final class EngineStart {

  private static final Logger log = LoggerFactory.getLogger(EngineStart.class);

  private final Thread thread;

  private EngineStart(Thread thread) {
    this.thread = thread;
  }

  static EngineStart begin(EngineKind kind) {
    Thread t = new Thread(() -> {
      long start = System.nanoTime();
      try {
        Engines.engine(kind);
        log.info("{} engine initialized in {} ms, beside the server's start", kind.djlName(),
            (System.nanoTime() - start) / 1_000_000);
      } catch (RuntimeException e) {
        log.debug("{} engine did not initialize ahead of the first load: {}", kind.djlName(), e.getMessage());
      }
    }, "aeserve-engine-start");
    t.setDaemon(true);
    t.start();
    return new EngineStart(t);
  }

  /** Waits for the initialization to end, however it ended. */
  void awaitQuietly() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
