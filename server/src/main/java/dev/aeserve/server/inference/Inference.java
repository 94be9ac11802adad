package dev.aeserve.server.inference;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.LatentSampler;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.autoencoders.Texts;
import dev.aeserve.server.LatentSpaceMismatchException;
import dev.aeserve.server.ServerUnavailableException;
import dev.aeserve.server.batching.Lane;
import dev.aeserve.server.rollout.QualityGates;
import dev.aeserve.server.rollout.ShadowRunner;
import dev.aeserve.server.routing.ModelSelector;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.routing.VersionResolver;
import dev.aeserve.server.runtime.Admission;
import dev.aeserve.server.runtime.Lanes;
import dev.aeserve.server.runtime.ModelRuntime;
import dev.aeserve.server.runtime.RecommendTask;
import dev.aeserve.server.runtime.Rows;
import dev.aeserve.server.runtime.SampleTask;
import dev.aeserve.server.runtime.ServableVersion;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import dev.aeserve.server.batching.QueueFullException;
import java.util.function.Function;

/**
 * The six calls, in domain terms. Each call follows one path: route (resolve the selector to a
 * READY version and load it), check the family serves the call, admit the request against that
 * version ({@link Admission}), queue it on the version's typed lane, and turn the batch's answer
 * into the call's. What happens because a call was routed by a split (the quality gate's
 * samples, shadow copies) happens here too, after the answer.
 *
 * <p>Until {@link #ready()} every call is refused with {@link ServerUnavailableException}, so a
 * server still preloading never makes a caller wait on a load.
 *
 * <p>Every method returns a future and never throws: a refusal is a failed future carrying the
 * domain exception, which the transport maps to a status in one place.
 *
 * <p>The calls never block their caller, which may be a transport thread: a call whose route is
 * kept in memory and whose version is loaded is admitted and queued on the caller's thread; one
 * that needs a registry read or a model load continues on {@code mayBlock}, a bounded pool its
 * owner closes.
 */
public final class Inference {

  private static final SecureRandom SEEDS = new SecureRandom();

  private final VersionResolver resolver;
  private final ModelRuntime runtime;
  private final Admission admission;
  private final ShadowRunner shadows;
  private final QualityGates gates;
  private final Executor mayBlock;
  private volatile boolean ready;

  /**
   * @param mayBlock where a call continues when it needs a registry read or a model load; it may
   *     refuse work ({@link RejectedExecutionException}) when full, and the call is then refused
   *     with RESOURCE_EXHAUSTED
   */
  public Inference(VersionResolver resolver, ModelRuntime runtime, Admission admission, ShadowRunner shadows,
      QualityGates gates, Executor mayBlock) {
    this.mayBlock = Objects.requireNonNull(mayBlock, "mayBlock");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.admission = Objects.requireNonNull(admission, "admission");
    this.shadows = Objects.requireNonNull(shadows, "shadows");
    this.gates = Objects.requireNonNull(gates, "gates");
  }

  public CompletableFuture<Answers.Encoded> encode(ModelSelector model, Queries.Encode q, InferenceCall call) {
    return routed(model, Rpc.ENCODE, call, s -> {
      if (q.sample()) {
        admission.requirePosterior(s.spec());
      }
      Rows rows = admission.inputs(s.spec(), q.inputs(), q.labels());
      Long seed = q.sample() ? seedOr(q.seed()) : null;
      return submit(s, Lanes.ENCODE, rows, call).thenApply(e -> {
        ResolvedVersion r = call.resolved();
        if (!r.shadows().isEmpty()) {
          call.afterReply(() -> shadows.afterEncode(r, s, rows, e));
        }
        return new Answers.Encoded(e, seed == null ? null : reparameterize(e, seed), seed, s.latentFingerprint());
      });
    });
  }

  public CompletableFuture<Answers.Decoded> decode(ModelSelector model, Queries.Decode q, InferenceCall call) {
    return routed(model, Rpc.DECODE, call, s -> {
      String expected = s.latentFingerprint();
      if (!q.fingerprint().isEmpty() && !q.fingerprint().equals(expected)) {
        throw new LatentSpaceMismatchException("latent_fingerprint " + Texts.capped(q.fingerprint())
            + " is not the latent space of " + describe(s) + " (" + expected
            + "); decode with the version that encoded these codes");
      }
      Rows rows = admission.latents(s.spec(), q.latents(), q.labels());
      return submit(s, Lanes.DECODE, rows, call).thenApply(x -> new Answers.Decoded(x, expected));
    });
  }

  public CompletableFuture<Answers.Reconstructed> reconstruct(ModelSelector model, Queries.Reconstruct q,
      InferenceCall call) {
    return routed(model, Rpc.RECONSTRUCT, call, s -> {
      ScoreKind kind = admission.scoreKind(s.spec(), q.scoreKind());
      Rows rows = admission.inputs(s.spec(), q.inputs(), q.labels());
      String[] outside = s.outsideDomain(rows.x());
      return submit(s, Lanes.reconstruct(kind), rows, call).thenApply(r -> {
        ResolvedVersion routed = call.resolved();
        if (routed.split() != null) {
          if (kind == s.spec().defaultScoreKind()) {
            gates.record(routed.split(), routed.version().version(), mean(r.scores()));
          }
          if (!routed.shadows().isEmpty()) {
            call.afterReply(() -> shadows.afterReconstruct(routed, s, rows, kind, r));
          }
        }
        // A verdict only against a calibration of this very score, or for rows outside what the
        // version was trained on: never guessed across scores.
        Calibration cal = s.calibration();
        Calibration own = cal != null && cal.scoreKind().equals(kind.id()) ? cal : null;
        boolean[] anomalous = null;
        if (own != null || outside != null) {
          anomalous = new boolean[r.scores().length];
          for (int i = 0; i < anomalous.length; i++) {
            anomalous[i] = (outside != null && outside[i] != null) || (own != null && own.isAnomalous(r.scores()[i]));
          }
        }
        return new Answers.Reconstructed(r, kind, own, anomalous, outside);
      });
    });
  }

  public CompletableFuture<Answers.Sampled> sample(ModelSelector model, Queries.Sample q, InferenceCall call) {
    return routed(model, Rpc.SAMPLE, call, s -> {
      long seed = seedOr(q.seed());
      Queries.Interpolate in = q.interpolation();
      SampleTask task = in == null
          ? admission.sample(s.spec(), q.count(), seed, q.temperature(), q.labels())
          : admission.interpolate(s.spec(), in.steps(), in.method(), in.endpoints(), in.endpointsAreInputs(), seed,
              q.temperature(), q.labels());
      return submit(s, Lanes.SAMPLE, task, call)
          .thenApply(out -> new Answers.Sampled(out, task.interpolates() ? seed : out.seed()));
    });
  }

  public CompletableFuture<Answers.Denoised> denoise(ModelSelector model, Queries.Denoise q, InferenceCall call) {
    return routed(model, Rpc.DENOISE, call, s -> {
      Rows clean = admission.inputs(s.spec(), q.inputs(), List.of());
      Corruption corruption = q.corruption();
      Long seed = corruption == null ? null : seedOr(q.seed());
      // Corruption is per request and seeded, so it happens here, before the shared batch.
      Rows input = corruption == null ? clean : admission.corrupted(clean, corruption, seed);
      return submit(s, Lanes.DENOISE, input, call).thenApply(x -> corruption == null
          ? new Answers.Denoised(x, null, null, null)
          : new Answers.Denoised(x, input.x(), seed, rowMse(x, clean.x())));
    });
  }

  public CompletableFuture<List<Recommendations>> recommend(ModelSelector model, Queries.Recommend q,
      InferenceCall call) {
    return routed(model, Rpc.RECOMMEND, call, s -> {
      List<String> ids = new ArrayList<>(q.users().size());
      List<List<Interaction>> histories = new ArrayList<>(q.users().size());
      for (Queries.User u : q.users()) {
        ids.add(u.id());
        histories.add(u.interactions());
      }
      RecommendTask task = admission.recommend(ids, histories, q.k(), q.excludeSeen() == null || q.excludeSeen(),
          q.candidates(), q.excluded());
      return submit(s, Lanes.RECOMMEND, task, call);
    });
  }

  /** Opens intake: until this is called (the preload has finished), every call is refused at once. */
  public void ready() {
    ready = true;
  }

  /** Whether intake is open. */
  public boolean isReady() {
    return ready;
  }

  /**
   * The READY version {@code model} routes to now and its spec, without loading it: what a
   * readiness or metadata question needs. Refuses as a call would (unknown model, version, alias).
   */
  public Answers.Described describe(ModelSelector model) {
    ResolvedVersion resolved = resolver.resolve(model);
    return new Answers.Described(resolved, AutoencoderSpec.fromJson(resolved.version().specJson()));
  }

  /**
   * Resolves and loads the version, records the route on the call, checks its family serves
   * {@code rpc}, and runs {@code body} (admit, queue) while the version is held open: an eviction
   * racing the call cannot close it between the lookup and the queue.
   */
  private <T> CompletableFuture<T> routed(ModelSelector model, Rpc rpc, InferenceCall call,
      Function<ServableVersion, CompletableFuture<T>> body) {
    return guarded(() -> {
      if (!ready) {
        throw new ServerUnavailableException("server is starting: models are still loading; retry shortly");
      }
      ResolvedVersion kept = resolver.resolveIfKept(model);
      if (kept != null) {
        CompletableFuture<T> queued = runtime.serveIfLoaded(kept.version(), s -> admit(kept, s, rpc, call, body), null);
        if (queued != null) {
          return queued;
        }
      }
      try {
        return CompletableFuture.supplyAsync(() -> {
          ResolvedVersion resolved = resolver.resolve(model);
          return runtime.serve(resolved.version(), s -> admit(resolved, s, rpc, call, body));
        }, mayBlock).thenCompose(Function.identity());
      } catch (RejectedExecutionException e) {
        throw new QueueFullException("too many calls are waiting for a route to be read or a model to load; retry in"
            + " about " + MAY_BLOCK_RETRY_MILLIS + " ms", MAY_BLOCK_RETRY_MILLIS);
      }
    });
  }

  /** Records the route on the call, checks the family serves {@code rpc}, and admits and queues (the body). */
  private static <T> CompletableFuture<T> admit(ResolvedVersion resolved, ServableVersion servable, Rpc rpc,
      InferenceCall call, Function<ServableVersion, CompletableFuture<T>> body) {
    call.routedTo(resolved, servable);
    servable.spec().family().requireServes(rpc);
    return body.apply(servable);
  }

  /** Retry hint when the pool for calls that may block is full: about one registry read. */
  private static final long MAY_BLOCK_RETRY_MILLIS = 100;

  private static <I, O> CompletableFuture<O> submit(ServableVersion s, Lane<I, O> lane, I input, InferenceCall call) {
    return s.submit(lane, input, call.deadlineNanos(), call.cancelled());
  }

  private static <T> CompletableFuture<T> guarded(java.util.function.Supplier<CompletableFuture<T>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static long seedOr(Long seed) {
    return seed != null ? seed : SEEDS.nextLong();
  }

  /**
   * z = mean + exp(logvar / 2) * eps, with eps drawn from the request's own seed: the same seed
   * gives the same sample whichever batch the rows were encoded in.
   */
  private static Matrix reparameterize(Encoding e, long seed) {
    Matrix mean = e.mean();
    Matrix eps = LatentSampler.sample(mean.rows(), mean.cols(), seed, 1.0);
    float[] z = new float[mean.data().length];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) (mean.data()[i] + Math.exp(e.logVariance().data()[i] / 2) * eps.data()[i]);
    }
    return new Matrix(mean.rows(), mean.cols(), z);
  }

  private static float[] rowMse(Matrix x, Matrix clean) {
    float[] out = new float[x.rows()];
    for (int r = 0; r < x.rows(); r++) {
      double sum = 0;
      for (int c = 0, i = r * x.cols(); c < x.cols(); c++, i++) {
        double d = x.data()[i] - clean.data()[i];
        sum += d * d;
      }
      out[r] = (float) (sum / x.cols());
    }
    return out;
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  private static String describe(ServableVersion s) {
    return "model '" + s.version().model() + "' version " + s.version().version();
  }
}
