package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.Rpc;
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
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.proto.v1.ServedBy;
import dev.aeserve.server.FamilyCapabilityException;
import dev.aeserve.server.LatentSpaceMismatchException;
import dev.aeserve.server.NotImplementedYetException;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.routing.VersionResolver;
import dev.aeserve.server.runtime.ModelRuntime;
import dev.aeserve.server.runtime.RowScores;
import dev.aeserve.server.runtime.ServableVersion;
import dev.aeserve.server.batching.Job;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.metrics.ServingMetrics;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The Autoencoder service: an adapter that maps proto to domain, calls the loaded model and maps
 * back. Routing lives in {@link VersionResolver}, models in {@link ModelRuntime}, and errors leave
 * through {@link StatusMapper}.
 */
public final class AutoencoderService extends AutoencoderGrpc.AutoencoderImplBase {

  private final VersionResolver resolver;
  private final ModelRuntime runtime;
  private final MatrixCodec codec;
  private final ServingMetrics metrics;
  private final Ticker ticker;

  public AutoencoderService(VersionResolver resolver, ModelRuntime runtime, MatrixCodec codec, ServingMetrics metrics,
      Ticker ticker) {
    this.resolver = resolver;
    this.runtime = runtime;
    this.codec = codec;
    this.metrics = metrics;
    this.ticker = ticker;
  }

  @Override
  public void encode(EncodeRequest req, StreamObserver<EncodeResponse> out) {
    call(Rpc.ENCODE, req.getModel(), out, t -> {
      if (req.getSample()) {
        throw new FamilyCapabilityException("sample=true needs a family with a posterior to sample from; family '"
            + t.servable.spec().family().id() + "' has a deterministic encoder");
      }
      Matrix x = codec.decode(req.getInputs(), "inputs");
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
      return t.<Matrix>submit(Rpc.ENCODE, x).thenApply(z -> EncodeResponse.newBuilder()
          .setServedBy(t.servedBy())
          .setLatents(MatrixCodec.encode(z, enc))
          .setLatentFingerprint(t.servable.latentFingerprint())
          .build());
    });
  }

  @Override
  public void decode(DecodeRequest req, StreamObserver<DecodeResponse> out) {
    call(Rpc.DECODE, req.getModel(), out, t -> {
      String expected = t.servable.latentFingerprint();
      if (!req.getLatentFingerprint().isEmpty() && !req.getLatentFingerprint().equals(expected)) {
        throw new LatentSpaceMismatchException("latent_fingerprint " + req.getLatentFingerprint()
            + " is not the latent space of " + t.describe() + " (" + expected
            + "); decode with the version that encoded these codes");
      }
      if (req.getCondition().getLabelsCount() > 0) {
        throw new FamilyCapabilityException("family '" + t.servable.spec().family().id()
            + "' is not conditional; leave condition empty");
      }
      Matrix z = codec.decode(req.getLatents(), "latents");
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getLatents());
      return t.<Matrix>submit(Rpc.DECODE, z).thenApply(x -> DecodeResponse.newBuilder()
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

  private CompletableFuture<ReconstructResponse> reconstruct(Target t, ReconstructRequest req) {
    if (req.getCondition().getLabelsCount() > 0) {
      throw new FamilyCapabilityException("family '" + t.servable.spec().family().id()
          + "' is not conditional; leave condition empty");
    }
    Matrix x = codec.decode(req.getInputs(), "inputs");
    String specLoss = t.servable.spec().loss();
    ScoreKind kind = req.getScoreKind() == ScoreKind.SCORE_KIND_UNSPECIFIED ? scoreKind(specLoss) : req.getScoreKind();
    String scoreLoss = switch (kind) {
      case SCORE_KIND_MSE -> "mse";
      case SCORE_KIND_BCE -> "bce";
      default -> throw new FamilyCapabilityException("score_kind " + kind + " needs a variational family; family '"
          + t.servable.spec().family().id() + "' scores with MSE or BCE");
    };
    Calibration cal = Calibration.fromJson(t.servable.version().calibrationJson());
    return t.<Reconstruction>submit(Rpc.RECONSTRUCT, x)
        .thenApply(r -> reconstructResponse(t, req, x, r, kind, scoreLoss, cal));
  }

  /** Scores one request's rows of a batch's reconstruction, and flags them where calibrated. */
  private static ReconstructResponse reconstructResponse(Target t, ReconstructRequest req, Matrix x, Reconstruction r,
      ScoreKind kind, String scoreLoss, Calibration cal) {
    boolean modelScore = scoreLoss.equals(t.servable.spec().loss());
    Matrix errors = modelScore ? r.featureErrors() : RowScores.featureErrors(scoreLoss, x, r.output());
    float[] scores = modelScore ? r.scores() : RowScores.rowMeans(errors);
    MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
    ReconstructResponse.Builder b = ReconstructResponse.newBuilder()
        .setServedBy(t.servedBy())
        .setScoreKind(kind);
    for (float s : scores) {
      b.addScores(s);
    }
    if (!req.getOmitOutputs()) {
      b.setOutputs(MatrixCodec.encode(r.output(), enc));
    }
    if (req.getIncludeFeatureErrors()) {
      b.setFeatureErrors(MatrixCodec.encode(errors, enc));
    }
    if (cal != null && scoreKind(cal.scoreKind()) == kind) {
      for (float s : scores) {
        b.addAnomalous(s > cal.threshold());
      }
      b.setCalibration(dev.aeserve.proto.v1.Calibration.newBuilder()
          .setThreshold(cal.threshold())
          .setScoreKind(kind)
          .setMethod(cal.method())
          .setParameter(cal.parameter())
          .setSampleCount(cal.sampleCount())
          .setDescription(cal.description()));
    }
    return b.build();
  }

  @Override
  public void sample(SampleRequest req, StreamObserver<SampleResponse> out) {
    call(Rpc.SAMPLE, req.getModel(), out, t -> {
      throw new NotImplementedYetException("Sample is not implemented by this server yet");
    });
  }

  @Override
  public void denoise(DenoiseRequest req, StreamObserver<DenoiseResponse> out) {
    call(Rpc.DENOISE, req.getModel(), out, t -> {
      throw new NotImplementedYetException("Denoise is not implemented by this server yet");
    });
  }

  @Override
  public void recommend(RecommendRequest req, StreamObserver<RecommendResponse> out) {
    call(Rpc.RECOMMEND, req.getModel(), out, t -> {
      throw new NotImplementedYetException("Recommend is not implemented by this server yet");
    });
  }

  /**
   * Runs one unary call: resolve and load the version, check the family serves the RPC, run
   * {@code body} (which validates and queues), then answer once and record the outcome.
   */
  private <R> void call(Rpc rpc, ModelRef ref, StreamObserver<R> out, Function<Target, CompletableFuture<R>> body) {
    long start = ticker.nanos();
    String[] version = {""};
    CompletableFuture<R> result;
    try {
      Target t = target(ref, rpc);
      version[0] = Integer.toString(t.resolved.version().version());
      result = body.apply(t);
    } catch (Throwable e) {
      result = CompletableFuture.failedFuture(e);
    }
    result.whenComplete((response, failure) -> {
      String code = "OK";
      if (failure == null) {
        try {
          out.onNext(response);
          out.onCompleted();
        } catch (Throwable e) {
          failure = e;
        }
      }
      if (failure != null) {
        StatusRuntimeException status = StatusMapper.toStatus(failure);
        code = status.getStatus().getCode().name();
        try {
          out.onError(status);
        } catch (IllegalStateException alreadyClosed) {
          // The call was cancelled or already answered; nothing more to say.
        }
      }
      metrics.recordRequest(ref.getName(), version[0], rpc, code, ticker.nanos() - start);
    });
  }

  /** Resolves the version, loads it, and checks that its family serves {@code rpc}. */
  private Target target(ModelRef ref, Rpc rpc) {
    ResolvedVersion resolved = resolver.resolve(ref);
    ServableVersion servable = runtime.get(resolved.version());
    servable.spec().family().requireServes(rpc);
    return new Target(resolved, servable, Context.current(), ticker);
  }

  private static ScoreKind scoreKind(String loss) {
    return switch (loss) {
      case "mse" -> ScoreKind.SCORE_KIND_MSE;
      case "bce" -> ScoreKind.SCORE_KIND_BCE;
      case "neg_elbo" -> ScoreKind.SCORE_KIND_NEGATIVE_ELBO;
      default -> throw new IllegalStateException("unknown loss " + loss);
    };
  }

  private record Target(ResolvedVersion resolved, ServableVersion servable, Context context, Ticker ticker) {
    /** Queues validated rows on the version's batcher, with the caller's deadline and cancellation. */
    <O> CompletableFuture<O> submit(Rpc rpc, Matrix rows) {
      Deadline deadline = context.getDeadline();
      long deadlineNanos = deadline == null ? Job.NO_DEADLINE
          : ticker.nanos() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
      return servable.scheduler().submit(rpc, rows, deadlineNanos, context::isCancelled);
    }

    ServedBy servedBy() {
      return ServedBy.newBuilder()
          .setModel(resolved.version().model())
          .setVersion(resolved.version().version())
          .setRoute(resolved.route())
          .setAlias(resolved.alias())
          .setArm(resolved.arm())
          .setFamily(servable.spec().family().id())
          .setEngine(servable.model().engine().djlName())
          .build();
    }

    String describe() {
      return "model '" + resolved.version().model() + "' version " + resolved.version().version();
    }
  }
}
