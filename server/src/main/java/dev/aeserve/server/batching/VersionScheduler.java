package dev.aeserve.server.batching;

import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.server.ServerUnavailableException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dynamic batcher of one loaded model version on one device: one queue ("lane") per RPC, or
 * per RPC variant whose requests cannot share a batch (say, Reconstruct with another score), and
 * one runner thread that takes whichever lane's batch is ready first (oldest request first), runs
 * it and completes each request's future exactly once.
 *
 * <p>Admission happens before {@link #submit}: what reaches a lane was checked against the
 * version's spec, so a batch only ever merges inputs of one shape (the kernel's concatenation
 * asserts it anyway). Closing stops intake, runs what is queued, then stops the thread.
 *
 * <p>Refusal is structural: the scheduler measures its own service rate ({@link ServiceRate}, from
 * the batches it completes) and refuses a request at once when the engine time for the rows queued
 * on all its lanes plus the request's own would exceed the lane's {@code max_queue_wait}; the
 * lane's {@code max_queue_rows} stays the hard cap, and is the only bound until a batch was
 * measured. A refused request leaves nothing behind.
 */
public final class VersionScheduler implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(VersionScheduler.class);

  private final String name;
  private final Ticker ticker;
  private final BatchObserver observer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<Lane<?, ?>, LaneQueue<?, ?>> lanes = new LinkedHashMap<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Thread runner;
  private boolean closing;
  /** Rows waiting on all lanes: one runner serves them all, so a request waits behind every lane. */
  private long queuedRows;
  private final ServiceRate rate = new ServiceRate();

  private final Executor compute;

  /** A scheduler whose runner is a thread of its own and computes on it. */
  public VersionScheduler(String name, Ticker ticker, BatchObserver observer) {
    this(name, ticker, observer, r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      t.start();
    }, Runnable::run);
  }

  /**
   * @param name used for the runner thread's name while it runs this scheduler, e.g. "fashion-ae:3"
   * @param runners where the runner loop (forming batches, completing futures) runs
   * @param compute where the model calls run. Engines keep native workspaces per calling thread
   *     (MKL's, for one) and never give them back, so compute belongs on a few long-lived threads:
   *     a fresh thread per loaded version would grow the process with every load.
   */
  public VersionScheduler(String name, Ticker ticker, BatchObserver observer, Executor runners, Executor compute) {
    this.name = Objects.requireNonNull(name, "name");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.observer = Objects.requireNonNull(observer, "observer");
    this.compute = Objects.requireNonNull(compute, "compute");
    runners.execute(this::runNamed);
  }

  private void runNamed() {
    Thread t = Thread.currentThread();
    String previous = t.getName();
    runner = t;
    t.setName("aeserve-runner-" + name);
    try {
      run();
    } finally {
      t.setName(previous);
      runner = null;
      stopped.countDown();
    }
  }

  /** Adds a lane. Call before submitting to it. */
  public <I, O> void register(Lane<I, O> lane, BatchPolicy policy, BatchKernel<I, O> kernel) {
    lock.lock();
    try {
      lanes.put(lane, new LaneQueue<>(lane.rpc(), new BatchQueue<>(policy, ticker), kernel));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues {@code input} on a lane; the future completes with this request's share of the batch's
   * output, or with why not (queue full, deadline, cancelled, shutting down, a failure of the
   * batch).
   */
  public <I, O> CompletableFuture<O> submit(Lane<I, O> lane, I input, long deadlineNanos, BooleanSupplier cancelled) {
    lock.lock();
    try {
      if (closing) {
        throw new ServerUnavailableException("model " + name + " is being unloaded; retry");
      }
      LaneQueue<I, O> l = queueOf(lane);
      if (l == null) {
        throw new IllegalStateException("no lane '" + lane + "' on " + name);
      }
      Job<I, O> job = new Job<>(input, l.kernel.rows(input), ticker.nanos(), deadlineNanos, cancelled);
      refuseBeyondWait(l.queue.policy(), job.rows());
      int before = l.queue.queuedRows();
      l.queue.offer(job);
      queued(l, l.queue.queuedRows() - before);
      // Wake the runner only when what it waits for changed: a lane's first request sets a new
      // deadline, and a lane that became ready is due now. Any other request leaves the runner's
      // wake-up time as it was; waking it anyway costs a context switch per request, which on a
      // server pinned to one core is CPU taken from reading the next request.
      if (before == 0 || l.queue.isReady()) {
        changed.signal();
      }
      return job.result();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses a request of {@code rows} rows when the predicted engine time for everything queued
   * plus it exceeds the lane's max_queue_wait. The bound is never below one full batch: a request
   * that fits in the next batch is admitted whatever a batch costs (it runs next, like the first
   * request of that batch, and refusing it would only stop batching for a slow model). Nothing is
   * refused by wait with an empty scheduler, nor before the rate is known. Call under the lock.
   */
  private void refuseBeyondWait(BatchPolicy policy, int rows) {
    if (queuedRows == 0 || !rate.isKnown()) {
      return;
    }
    long bound = Math.max(policy.maxQueueWait().toNanos(),
        rate.predictNanos(policy.maxBatchRows(), policy.maxBatchRows()));
    long predicted = rate.predictNanos(queuedRows + rows, policy.maxBatchRows());
    if (predicted > bound) {
      long retryMillis = Math.max(1, (predicted - bound + 999_999) / 1_000_000);
      throw new QueueFullException(String.format(java.util.Locale.ROOT,
          "the %d rows queued on %s and this request's %d take about %.1f ms of engine time at the measured %.0f rows/s,"
              + " more than max_queue_wait (%.1f ms, or one full batch if longer); retry in about %d ms",
          queuedRows, name, rows, predicted / 1e6, rate.rowsPerSecond(policy.maxBatchRows()), bound / 1e6, retryMillis),
          retryMillis);
    }
  }

  /** Notes a change of {@code delta} rows on a lane's queue. Call under the lock. */
  private void queued(LaneQueue<?, ?> lane, int delta) {
    queuedRows += delta;
    observer.onQueuedRows(lane.rpc, delta);
  }

  /**
   * The queue registered under {@code lane}. The cast is safe: {@link #register} is the only
   * writer, and it stores a {@code LaneQueue<I, O>} under a {@code Lane<I, O>}.
   */
  @SuppressWarnings("unchecked")
  private <I, O> LaneQueue<I, O> queueOf(Lane<I, O> lane) {
    return (LaneQueue<I, O>) lanes.get(lane);
  }

  private void run() {
    while (true) {
      LaneQueue<?, ?> lane;
      List<? extends Job<?, ?>> batch;
      lock.lock();
      try {
        lane = nextReady();
        while (lane == null) {
          if (closing && allEmpty()) {
            return;
          }
          long readyAt = nextReadyAt();
          if (readyAt == Long.MAX_VALUE) {
            changed.await();
          } else {
            long wait = readyAt - ticker.nanos();
            if (wait > 0) {
              changed.awaitNanos(wait);
            }
          }
          lane = nextReady();
        }
        int before = lane.queue.queuedRows();
        batch = lane.queue.takeBatch();
        queued(lane, lane.queue.queuedRows() - before);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failEverything(new ServerUnavailableException("model " + name + " was stopped"));
        return;
      } finally {
        lock.unlock();
      }
      if (!batch.isEmpty()) {
        execute(lane, batch);
      }
    }
  }

  /** The ready lane whose oldest request is oldest; while closing, any non-empty lane. */
  private LaneQueue<?, ?> nextReady() {
    LaneQueue<?, ?> best = null;
    for (LaneQueue<?, ?> l : lanes.values()) {
      boolean ready = closing ? !l.queue.isEmpty() : l.queue.isReady();
      if (ready && (best == null || l.queue.oldestEnqueuedNanos() < best.queue.oldestEnqueuedNanos())) {
        best = l;
      }
    }
    return best;
  }

  private long nextReadyAt() {
    long at = Long.MAX_VALUE;
    for (LaneQueue<?, ?> l : lanes.values()) {
      at = Math.min(at, l.queue.readyAtNanos());
    }
    return at;
  }

  private boolean allEmpty() {
    return lanes.values().stream().allMatch(l -> l.queue.isEmpty());
  }

  @SuppressWarnings("unchecked")
  private <I, O> void execute(LaneQueue<I, O> lane, List<? extends Job<?, ?>> jobs) {
    List<Job<I, O>> batch = (List<Job<I, O>>) jobs;
    long start = ticker.nanos();
    int rows = 0;
    for (Job<I, O> j : batch) {
      observer.onDequeued(lane.rpc, start - j.enqueuedNanos());
      rows += j.rows();
    }
    O output;
    try {
      I input = batch.size() == 1 ? batch.get(0).input()
          : lane.kernel.concat(batch.stream().map(Job::input).toList());
      output = compute(lane, input);
    } catch (Throwable t) {
      if (batch.size() > 1) {
        // One request can fail a model call for everyone in its batch (rows that overflow, say).
        // The others must not pay for it: each runs again alone and gets its own answer.
        log.debug("batch of {} on {} failed; running each request alone", batch.size(), name, t);
        batch.forEach(j -> runAlone(lane, j));
      } else {
        batch.get(0).result().completeExceptionally(t);
        log.debug("request on {} failed", name, t);
      }
      return;
    }
    long computed = ticker.nanos() - start;
    observer.onBatch(lane.rpc, batch.size(), rows, computed);
    lock.lock();
    try {
      lane.queue.recordBatchNanos(computed);
      rate.record(rows, computed);
    } finally {
      lock.unlock();
    }
    int row = 0;
    for (Job<I, O> job : batch) {
      try {
        job.result().complete(batch.size() == 1 ? output : lane.kernel.slice(output, row, row + job.rows()));
      } catch (Throwable t) {
        job.result().completeExceptionally(t);
      }
      row += job.rows();
    }
  }

  /** Runs the lane's model call on the compute threads (see the constructor) and waits for it. */
  private <I, O> O compute(LaneQueue<I, O> lane, I input) {
    return CompletableFuture.supplyAsync(() -> lane.kernel.run(input), compute).join();
  }

  private <I, O> void runAlone(LaneQueue<I, O> lane, Job<I, O> job) {
    try {
      job.result().complete(compute(lane, job.input()));
    } catch (Throwable t) {
      job.result().completeExceptionally(t);
    }
  }

  private void failEverything(RuntimeException failure) {
    lock.lock();
    try {
      lanes.values().forEach(l -> {
        int before = l.queue.queuedRows();
        l.queue.failAll(failure);
        queued(l, l.queue.queuedRows() - before);
      });
    } finally {
      lock.unlock();
    }
  }

  /** Rows per second of engine time at batches of {@code batchRows}, as measured so far; NaN before any batch. */
  public double rowsPerSecond(int batchRows) {
    lock.lock();
    try {
      return rate.rowsPerSecond(batchRows);
    } finally {
      lock.unlock();
    }
  }

  /** Stops intake, runs every queued request, then stops the runner. */
  @Override
  public void close() {
    lock.lock();
    try {
      closing = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      if (!stopped.await(30, TimeUnit.SECONDS)) {
        Thread t = runner;
        if (t != null) {
          t.interrupt();
        }
        stopped.await(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record LaneQueue<I, O>(Rpc rpc, BatchQueue<I, O> queue, BatchKernel<I, O> kernel) {}
}
