package dev.aeserve.server.batching;

/** A source of monotonic nanoseconds; tests pass a fake one and move time by hand. */
@FunctionalInterface
public interface Ticker {
  long nanos();

  Ticker SYSTEM = System::nanoTime;
}
