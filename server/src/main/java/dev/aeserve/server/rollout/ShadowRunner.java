package dev.aeserve.server.rollout;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.registry.TrafficSplit;
import dev.aeserve.server.FamilyCapabilityException;
import dev.aeserve.server.batching.Job;
import dev.aeserve.server.routing.ModelSelector;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.runtime.Admission;
import dev.aeserve.server.routing.VersionResolver;
import dev.aeserve.server.runtime.Lanes;
import dev.aeserve.server.runtime.ModelRuntime;
import dev.aeserve.server.runtime.Rows;
import dev.aeserve.server.runtime.ServableVersion;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs copies of live calls on shadow versions and records how their answers differ from the
 * primary's. It only starts once the primary has answered, on its own threads behind a bounded
 * queue: when the queue is full the copy is dropped (counted as shed), so shadows never delay a
 * caller and are the first thing shed under load.
 */
public final class ShadowRunner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ShadowRunner.class);
  /** How long a shadow copy may wait for its own batches before it counts as failed. */
  private static final long SHADOW_TIMEOUT_SECONDS = 30;

  private final VersionResolver resolver;
  private final ModelRuntime runtime;
  private final ShadowComparisons comparisons;
  private final Admission admission;
  private final ThreadPoolExecutor executor;

  public ShadowRunner(VersionResolver resolver, ModelRuntime runtime, ShadowComparisons comparisons,
      Admission admission, int threads, int queueCapacity) {
    this.resolver = resolver;
    this.admission = admission;
    this.runtime = runtime;
    this.comparisons = comparisons;
    this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queueCapacity), r -> {
          Thread t = new Thread(r, "aeserve-shadow");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
  }

  /** After a Reconstruct routed by a split: copy it to each shadow that samples it. */
  public void afterReconstruct(ResolvedVersion primary, ServableVersion primaryServable, Rows rows, ScoreKind kind,
      Reconstruction answer) {
    for (TrafficSplit.Arm arm : primary.shadows()) {
      offer(primary, arm, () -> compareReconstruct(primary, primaryServable, arm.version(), rows, kind, answer));
    }
  }

  /** After an Encode routed by a split: copy it to each shadow that samples it. */
  public void afterEncode(ResolvedVersion primary, ServableVersion primaryServable, Rows rows, Encoding answer) {
    for (TrafficSplit.Arm arm : primary.shadows()) {
      offer(primary, arm, () -> compareEncode(primary, primaryServable, arm.version(), rows, answer.mean()));
    }
  }

  private void offer(ResolvedVersion primary, TrafficSplit.Arm arm, Runnable compare) {
    if (ThreadLocalRandom.current().nextInt(100) >= arm.weight()) {
      return;
    }
    ShadowComparisons.Pair pair = comparisons.pair(primary.version().model(), primary.version().version(), arm.version());
    pair.sampled.incrementAndGet();
    try {
      executor.execute(() -> {
        try {
          compare.run();
          pair.completed.incrementAndGet();
        } catch (RuntimeException e) {
          pair.failed.incrementAndGet();
          log.debug("shadow {} of {} failed", arm.version(), primary.version().model(), e);
        }
      });
    } catch (RejectedExecutionException full) {
      pair.shed.incrementAndGet();
    }
  }

  private void compareReconstruct(ResolvedVersion primary, ServableVersion primaryServable, int shadowVersion,
      Rows rows, ScoreKind kind, Reconstruction answer) {
    ShadowComparisons.Pair pair = comparisons.pair(primary.version().model(), primary.version().version(), shadowVersion);
    serveShadow(primary, shadowVersion, shadow -> {
      // The shadow is a version of its own: the copy passes its admission like any call would.
      Rows theirRows = admission.readmit(primaryServable.spec(), shadow.spec(), rows);
      ScoreKind shared = sharedScore(shadow, kind);
      Reconstruction theirs = await(shadow.submit(Lanes.reconstruct(shared), theirRows, Job.NO_DEADLINE, () -> false));
      // Differences are only meaningful under one score: when the shadow cannot compute the
      // primary's (an imported version has no latent density for mse_mahalanobis, say), both
      // are compared on MSE, which every family scores, and the primary is asked again.
      float[] primaryScores = shared == kind ? answer.scores() : runtime.serve(primary.version(),
          p -> await(p.submit(Lanes.reconstruct(shared), rows, Job.NO_DEADLINE, () -> false))).scores();
      for (int i = 0; i < primaryScores.length; i++) {
        pair.errorDifference.add(theirs.scores()[i] - primaryScores[i]);
      }
      if (compatible(primaryServable.spec(), shadow.spec())) {
        // The primary answered already; it may have been unloaded since, so it is held again here.
        Encoding mine = runtime.serve(primary.version(),
            p -> await(p.submit(Lanes.ENCODE, rows, Job.NO_DEADLINE, () -> false)));
        Encoding other = await(shadow.submit(Lanes.ENCODE, theirRows, Job.NO_DEADLINE, () -> false));
        recordDistances(pair, mine.mean(), other.mean());
      }
    });
  }

  private void compareEncode(ResolvedVersion primary, ServableVersion primaryServable, int shadowVersion, Rows rows,
      Matrix mine) {
    ShadowComparisons.Pair pair = comparisons.pair(primary.version().model(), primary.version().version(), shadowVersion);
    serveShadow(primary, shadowVersion, shadow -> {
      if (compatible(primaryServable.spec(), shadow.spec())) {
        Rows theirRows = admission.readmit(primaryServable.spec(), shadow.spec(), rows);
        Encoding other = await(shadow.submit(Lanes.ENCODE, theirRows, Job.NO_DEADLINE, () -> false));
        recordDistances(pair, mine, other.mean());
      }
    });
  }

  /** The primary's score when the shadow can compute it, MSE otherwise. */
  private ScoreKind sharedScore(ServableVersion shadow, ScoreKind kind) {
    try {
      return admission.scoreKind(shadow.spec(), kind);
    } catch (FamilyCapabilityException cannot) {
      return ScoreKind.MSE;
    }
  }

  /** Runs {@code use} on the shadow version, held open until it returns. */
  private void serveShadow(ResolvedVersion primary, int version, java.util.function.Consumer<ServableVersion> use) {
    ResolvedVersion shadow = resolver.resolve(ModelSelector.version(primary.version().model(), version));
    runtime.serve(shadow.version(), s -> {
      use.accept(s);
      return null;
    });
  }

  /** Latent distance means something only between codes of the same family and size. */
  static boolean compatible(AutoencoderSpec a, AutoencoderSpec b) {
    return a.family() == b.family() && a.latentDim() == b.latentDim();
  }

  private static void recordDistances(ShadowComparisons.Pair pair, Matrix a, Matrix b) {
    for (int r = 0; r < a.rows(); r++) {
      double sum = 0;
      for (int c = 0, i = r * a.cols(); c < a.cols(); c++, i++) {
        double d = a.data()[i] - b.data()[i];
        sum += d * d;
      }
      pair.latentDistance.add(Math.sqrt(sum));
    }
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(SHADOW_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("shadow call failed: " + e, e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
