package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.LatentSampler;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.Samples;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.autoencoders.ScoredItem;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.DecodeResponse;
import dev.aeserve.proto.v1.DenoiseRequest;
import dev.aeserve.proto.v1.DenoiseResponse;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.RecommendResponse;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.SampleResponse;
import dev.aeserve.proto.v1.UserRecommendations;
import dev.aeserve.server.FamilyCapabilityException;
import dev.aeserve.server.LatentSpaceMismatchException;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.metrics.ServingMetrics;
import dev.aeserve.server.rollout.QualityGates;
import dev.aeserve.server.rollout.ShadowRunner;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.routing.VersionResolver;
import dev.aeserve.server.runtime.Lanes;
import dev.aeserve.server.runtime.ModelRuntime;
import dev.aeserve.server.runtime.RecommendTask;
import dev.aeserve.server.runtime.Rows;
import dev.aeserve.server.runtime.SampleTask;
import dev.aeserve.server.runtime.ServableVersion;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The Autoencoder service: an adapter. Each call resolves its version ({@link VersionResolver}),
 * checks the family serves it, validates and converts its input ({@link Requests},
 * {@link MatrixCodec}), queues it on the version's batcher, and maps the result back. Errors
 * leave through {@link StatusMapper}; every call's outcome is counted in {@link ServingMetrics}.
 */
public final class AutoencoderService extends AutoencoderGrpc.AutoencoderImplBase {

  private final VersionResolver resolver;
  private final ModelRuntime runtime;
  private final MatrixCodec codec;
  private final Requests requests;
  private final ServingMetrics metrics;
  private final ShadowRunner shadows;
  private final QualityGates gates;
  private final Ticker ticker;

  public AutoencoderService(VersionResolver resolver, ModelRuntime runtime, MatrixCodec codec, int maxRows,
      ServingMetrics metrics, ShadowRunner shadows, QualityGates gates, Ticker ticker) {
    this.resolver = resolver;
    this.runtime = runtime;
    this.codec = codec;
    this.requests = new Requests(codec, maxRows);
    this.metrics = metrics;
    this.shadows = shadows;
    this.gates = gates;
    this.ticker = ticker;
  }

  @Override
  public void encode(EncodeRequest req, StreamObserver<EncodeResponse> out) {
    call(Rpc.ENCODE, req.getModel(), out, t -> {
      if (req.getSample() && !t.spec().family().variational()) {
        throw new FamilyCapabilityException("sample=true needs a family with a posterior to sample from; family '"
            + t.spec().family().id() + "' has a deterministic encoder");
      }
      Matrix x = codec.decode(req.getInputs(), "inputs");
      Rows rows = new Rows(x, Requests.labels(t.spec(), req.getCondition(), x.rows()));
      long seed = Requests.seed(req.hasSeed(), req.getSeed());
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
      return t.<Rows, Encoding>submit(Lanes.ENCODE, rows).thenApply(e -> {
        if (!t.resolved().shadows().isEmpty()) {
          t.afterReply(() -> shadows.afterEncode(t.resolved(), rows, e));
        }
        EncodeResponse.Builder b = EncodeResponse.newBuilder()
            .setServedBy(t.servedBy())
            .setLatents(MatrixCodec.encode(e.mean(), enc))
            .setLatentFingerprint(t.servable().latentFingerprint());
        if (e.logVariance() != null) {
          b.setLogVariances(MatrixCodec.encode(e.logVariance(), enc));
        }
        if (req.getSample()) {
          b.setSamples(MatrixCodec.encode(reparameterize(e, seed), enc)).setSeed(seed);
        }
        return b.build();
      });
    });
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

  @Override
  public void decode(DecodeRequest req, StreamObserver<DecodeResponse> out) {
    call(Rpc.DECODE, req.getModel(), out, t -> {
      String expected = t.servable().latentFingerprint();
      if (!req.getLatentFingerprint().isEmpty() && !req.getLatentFingerprint().equals(expected)) {
        throw new LatentSpaceMismatchException("latent_fingerprint " + req.getLatentFingerprint()
            + " is not the latent space of " + t.describe() + " (" + expected
            + "); decode with the version that encoded these codes");
      }
      Matrix z = codec.decode(req.getLatents(), "latents");
      Rows rows = new Rows(z, Requests.labels(t.spec(), req.getCondition(), z.rows()));
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getLatents());
      return t.<Rows, Matrix>submit(Lanes.DECODE, rows).thenApply(x -> DecodeResponse.newBuilder()
          .setServedBy(t.servedBy())
          .setOutputs(MatrixCodec.encode(x, enc))
          .setLatentFingerprint(expected)
          .build());
    });
  }

  @Override
  public void reconstruct(ReconstructRequest req, StreamObserver<ReconstructResponse> out) {
    call(Rpc.RECONSTRUCT, req.getModel(), out, t -> reconstruct(t, req));
  }

  /**
   * Each message is resolved, validated and queued as it arrives (so messages share batches with
   * other callers), and answered strictly in order. The first failure ends the stream with its
   * status.
   */
  @Override
  public StreamObserver<ReconstructRequest> reconstructStream(StreamObserver<ReconstructResponse> out) {
    return new StreamObserver<>() {
      private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
      private final AtomicBoolean failed = new AtomicBoolean();

      @Override
      public synchronized void onNext(ReconstructRequest req) {
        CompletableFuture<ReconstructResponse> next;
        try {
          next = reconstruct(target(req.getModel(), Rpc.RECONSTRUCT), req);
        } catch (Throwable t) {
          next = CompletableFuture.failedFuture(t);
        }
        CompletableFuture<ReconstructResponse> mine = next;
        tail = tail.thenCompose(ignored -> mine).handle((r, t) -> {
          if (failed.get()) {
            return null;
          }
          if (t != null) {
            failed.set(true);
            out.onError(StatusMapper.toStatus(t));
          } else {
            out.onNext(r);
          }
          return null;
        });
      }

      @Override
      public void onError(Throwable t) {
        // The caller went away; queued messages are dropped by the batcher as cancelled.
      }

      @Override
      public synchronized void onCompleted() {
        tail.thenRun(() -> {
          if (!failed.get()) {
            out.onCompleted();
          }
        });
      }
    };
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  private CompletableFuture<ReconstructResponse> reconstruct(Target t, ReconstructRequest req) {
    Matrix x = codec.decode(req.getInputs(), "inputs");
    Rows rows = new Rows(x, Requests.labels(t.spec(), req.getCondition(), x.rows()));
    ScoreKind kind = Requests.scoreKind(t.spec(), req.getScoreKind());
    Calibration cal = t.servable().calibration();
    MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
    return t.<Rows, Reconstruction>submit(Lanes.reconstruct(kind), rows).thenApply(r -> {
      if (t.resolved().split() != null) {
        if (kind == t.spec().defaultScoreKind()) {
          gates.record(t.resolved().split(), t.resolved().version().version(), mean(r.scores()));
        }
        if (!t.resolved().shadows().isEmpty()) {
          t.afterReply(() -> shadows.afterReconstruct(t.resolved(), t.servable(), rows, kind, r));
        }
      }
      ReconstructResponse.Builder b = ReconstructResponse.newBuilder()
          .setServedBy(t.servedBy())
          .setScoreKind(Requests.toProto(kind));
      for (float s : r.scores()) {
        b.addScores(s);
      }
      if (!req.getOmitOutputs()) {
        b.setOutputs(MatrixCodec.encode(r.output(), enc));
      }
      if (req.getIncludeFeatureErrors()) {
        b.setFeatureErrors(MatrixCodec.encode(r.featureErrors(), enc));
      }
      // A verdict only against a calibration of this very score: never guessed across scores.
      if (cal != null && cal.scoreKind().equals(kind.id())) {
        for (float s : r.scores()) {
          b.addAnomalous(cal.isAnomalous(s));
        }
        b.setCalibration(dev.aeserve.proto.v1.Calibration.newBuilder()
            .setThreshold(cal.threshold())
            .setScoreKind(Requests.toProto(kind))
            .setMethod(cal.method())
            .setParameter(cal.parameter())
            .setSampleCount(cal.sampleCount())
            .setDescription(cal.description()));
      }
      return b.build();
    });
  }

  @Override
  public void sample(SampleRequest req, StreamObserver<SampleResponse> out) {
    call(Rpc.SAMPLE, req.getModel(), out, t -> {
      SampleTask task = requests.sample(t.spec(), req);
      MatrixEncoding enc = req.getResponseEncoding() == MatrixEncoding.MATRIX_ENCODING_RAW_LE
          ? MatrixEncoding.MATRIX_ENCODING_RAW_LE : MatrixEncoding.MATRIX_ENCODING_VALUES;
      return t.<SampleTask, Samples>submit(Lanes.SAMPLE, task).thenApply(s -> SampleResponse.newBuilder()
          .setServedBy(t.servedBy())
          .setSamples(MatrixCodec.encode(s.output(), enc))
          .setLatents(MatrixCodec.encode(s.latent(), enc))
          .setSeed(task.interpolates() ? task.seed() : s.seed())
          .build());
    });
  }

  @Override
  public void denoise(DenoiseRequest req, StreamObserver<DenoiseResponse> out) {
    call(Rpc.DENOISE, req.getModel(), out, t -> {
      Matrix clean = codec.decode(req.getInputs(), "inputs");
      Corruption corruption = Requests.corruption(req);
      long seed = Requests.seed(req.hasCorruption() && req.getCorruption().hasSeed(), req.getCorruption().getSeed());
      // Corruption is per request and seeded, so it happens here, before the shared batch.
      Matrix input = corruption == null ? clean : corruption.apply(clean, seed);
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
      return t.<Rows, Matrix>submit(Lanes.DENOISE, Rows.of(input)).thenApply(x -> {
        DenoiseResponse.Builder b = DenoiseResponse.newBuilder()
            .setServedBy(t.servedBy())
            .setOutputs(MatrixCodec.encode(x, enc));
        if (corruption != null) {
          b.setCorruptionSeed(seed);
          if (req.getReturnCorrupted()) {
            b.setCorrupted(MatrixCodec.encode(input, enc));
          }
          for (int r = 0; r < x.rows(); r++) {
            double sum = 0;
            for (int c = 0, i = r * x.cols(); c < x.cols(); c++, i++) {
              double d = x.data()[i] - clean.data()[i];
              sum += d * d;
            }
            b.addCleanErrors((float) (sum / x.cols()));
          }
        }
        return b.build();
      });
    });
  }

  @Override
  public void recommend(RecommendRequest req, StreamObserver<RecommendResponse> out) {
    call(Rpc.RECOMMEND, req.getModel(), out, t -> {
      RecommendTask task = requests.recommend(req);
      return t.<RecommendTask, List<Recommendations>>submit(Lanes.RECOMMEND, task).thenApply(users -> {
        RecommendResponse.Builder b = RecommendResponse.newBuilder().setServedBy(t.servedBy());
        for (int u = 0; u < users.size(); u++) {
          UserRecommendations.Builder ub = UserRecommendations.newBuilder()
              .setUserId(req.getUsers(u).getUserId())
              .addAllUnknownItems(users.get(u).unknownItemIds());
          for (ScoredItem item : users.get(u).items()) {
            ub.addItems(dev.aeserve.proto.v1.ScoredItem.newBuilder().setItemId(item.itemId()).setScore(item.score()));
          }
          b.addUsers(ub);
        }
        return b.build();
      });
    });
  }

  /**
   * Runs one unary call: resolve and load the version, check the family serves the RPC, run
   * {@code body} (which validates and queues), then answer once and record the outcome.
   */
  private <R> void call(Rpc rpc, ModelRef ref, StreamObserver<R> out, Function<Target, CompletableFuture<R>> body) {
    long start = ticker.nanos();
    String[] version = {""};
    Target[] target = {null};
    CompletableFuture<R> result;
    try {
      Target t = target(ref, rpc);
      target[0] = t;
      version[0] = Integer.toString(t.resolved().version().version());
      result = body.apply(t);
    } catch (Throwable e) {
      result = CompletableFuture.failedFuture(e);
    }
    result.whenComplete((response, failure) -> {
      String code = "OK";
      Throwable error = failure;
      if (error == null) {
        try {
          out.onNext(response);
          out.onCompleted();
        } catch (Throwable e) {
          error = e;
        }
      }
      if (error != null) {
        StatusRuntimeException status = StatusMapper.toStatus(error);
        code = status.getStatus().getCode().name();
        try {
          out.onError(status);
        } catch (IllegalStateException alreadyClosed) {
          // The call was cancelled or already answered; nothing more to say.
        }
      }
      metrics.recordRequest(target[0] == null ? null : target[0].resolved().version(), rpc, code, ticker.nanos() - start);
      if (error == null && target[0] != null) {
        target[0].afterReply().forEach(Runnable::run);
      }
    });
  }

  /** Resolves the version, loads it, and checks that its family serves {@code rpc}. */
  private Target target(ModelRef ref, Rpc rpc) {
    ResolvedVersion resolved = resolver.resolve(ref);
    ServableVersion servable = runtime.get(resolved.version());
    servable.spec().family().requireServes(rpc);
    return new Target(resolved, servable, Context.current(), ticker);
  }
}
