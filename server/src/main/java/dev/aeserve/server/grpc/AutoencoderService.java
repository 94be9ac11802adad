package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.Interpolation;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.autoencoders.ScoredItem;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.DecodeResponse;
import dev.aeserve.proto.v1.DenoiseRequest;
import dev.aeserve.proto.v1.DenoiseResponse;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.InterpolationMethod;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.RecommendResponse;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.SampleResponse;
import dev.aeserve.proto.v1.ServedBy;
import dev.aeserve.proto.v1.UserHistory;
import dev.aeserve.proto.v1.UserRecommendations;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.inference.Answers;
import dev.aeserve.server.inference.Inference;
import dev.aeserve.server.inference.InferenceCall;
import dev.aeserve.server.inference.Queries;
import dev.aeserve.server.metrics.ServingMetrics;
import dev.aeserve.server.routing.ModelSelector;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.runtime.ServableVersion;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Autoencoder service: an adapter. Each call maps its message to a domain query, hands it to
 * {@link Inference} (which routes, admits and batches it), and maps the answer back. Errors
 * leave through {@link StatusMapper}; every call's outcome is counted in {@link ServingMetrics},
 * labelled by the version it resolved to (or by none).
 */
public final class AutoencoderService extends AutoencoderGrpc.AutoencoderImplBase {

  private final Inference inference;
  private final InferenceCalls calls;

  public AutoencoderService(Inference inference, ServingMetrics metrics, Ticker ticker) {
    this.inference = inference;
    this.calls = new InferenceCalls(metrics, ticker, ServingMetrics.Protocol.AESERVE);
  }

  @Override
  public void encode(EncodeRequest req, StreamObserver<EncodeResponse> out) {
    calls.unary(Rpc.ENCODE, out, c -> {
      Queries.Encode q = new Queries.Encode(MatrixCodec.decode(req.getInputs(), "inputs"),
          req.getCondition().getLabelsList(), req.getSample(), req.hasSeed() ? req.getSeed() : null);
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
      return inference.encode(selector(req.getModel()), q, c).thenApply(e -> {
        EncodeResponse.Builder b = EncodeResponse.newBuilder()
            .setServedBy(servedBy(c))
            .setLatents(MatrixCodec.encode(e.encoding().mean(), enc))
            .setLatentFingerprint(e.fingerprint());
        if (e.encoding().logVariance() != null) {
          b.setLogVariances(MatrixCodec.encode(e.encoding().logVariance(), enc));
        }
        if (e.samples() != null) {
          b.setSamples(MatrixCodec.encode(e.samples(), enc)).setSeed(e.seed());
        }
        return b.build();
      });
    });
  }

  @Override
  public void decode(DecodeRequest req, StreamObserver<DecodeResponse> out) {
    calls.unary(Rpc.DECODE, out, c -> {
      Queries.Decode q = new Queries.Decode(MatrixCodec.decode(req.getLatents(), "latents"),
          req.getCondition().getLabelsList(), req.getLatentFingerprint());
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getLatents());
      return inference.decode(selector(req.getModel()), q, c).thenApply(d -> DecodeResponse.newBuilder()
          .setServedBy(servedBy(c))
          .setOutputs(MatrixCodec.encode(d.outputs(), enc))
          .setLatentFingerprint(d.fingerprint())
          .build());
    });
  }

  @Override
  public void reconstruct(ReconstructRequest req, StreamObserver<ReconstructResponse> out) {
    calls.unary(Rpc.RECONSTRUCT, out, c -> reconstruct(req, c));
  }

  /**
   * Each message is routed, admitted and queued as it arrives (so messages share batches with
   * other callers), and answered strictly in order. The first failure ends the stream with its
   * status.
   */
  @Override
  public StreamObserver<ReconstructRequest> reconstructStream(StreamObserver<ReconstructResponse> out) {
    Context context = Context.current();
    return new StreamObserver<>() {
      private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
      private final AtomicBoolean failed = new AtomicBoolean();

      @Override
      public synchronized void onNext(ReconstructRequest req) {
        long start = calls.now();
        InferenceCall c = calls.newCall(context);
        CompletableFuture<ReconstructResponse> mine = InferenceCalls.guarded(() -> reconstruct(req, c));
        mine.whenComplete((r, t) -> calls.record(c, Rpc.RECONSTRUCT,
            t == null ? "OK" : StatusMapper.toStatus(t).getStatus().getCode().name(), calls.now() - start));
        tail = tail.thenCompose(ignored -> mine).handle((r, t) -> {
          if (failed.get()) {
            return null;
          }
          if (t != null) {
            failed.set(true);
            out.onError(StatusMapper.toStatus(t));
          } else {
            out.onNext(r);
            c.replied();
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

  private CompletableFuture<ReconstructResponse> reconstruct(ReconstructRequest req, InferenceCall c) {
    Queries.Reconstruct q = new Queries.Reconstruct(MatrixCodec.decode(req.getInputs(), "inputs"),
        req.getCondition().getLabelsList(), scoreKind(req.getScoreKind()));
    MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
    return inference.reconstruct(selector(req.getModel()), q, c).thenApply(a -> {
      ReconstructResponse.Builder b = ReconstructResponse.newBuilder()
          .setServedBy(servedBy(c))
          .setScoreKind(toProto(a.kind()));
      for (float s : a.reconstruction().scores()) {
        b.addScores(s);
      }
      if (!req.getOmitOutputs()) {
        b.setOutputs(MatrixCodec.encode(a.reconstruction().output(), enc));
      }
      if (req.getIncludeFeatureErrors()) {
        b.setFeatureErrors(MatrixCodec.encode(a.reconstruction().featureErrors(), enc));
      }
      if (a.anomalous() != null) {
        for (boolean v : a.anomalous()) {
          b.addAnomalous(v);
        }
      }
      if (a.outsideDomain() != null) {
        for (String why : a.outsideDomain()) {
          b.addOutsideDomain(why == null ? "" : why);
        }
      }
      Calibration cal = a.calibration();
      if (cal != null) {
        b.setCalibration(dev.aeserve.proto.v1.Calibration.newBuilder()
            .setThreshold(cal.threshold())
            .setScoreKind(toProto(a.kind()))
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
    calls.unary(Rpc.SAMPLE, out, c -> {
      Queries.Interpolate interpolation = null;
      if (req.hasInterpolation()) {
        var in = req.getInterpolation();
        Matrix ends = switch (in.getEndpointsCase()) {
          case INPUTS -> MatrixCodec.decode(in.getInputs(), "interpolation.inputs");
          case LATENTS -> MatrixCodec.decode(in.getLatents(), "interpolation.latents");
          case ENDPOINTS_NOT_SET -> null;
        };
        interpolation = new Queries.Interpolate(Integer.toUnsignedLong(in.getSteps()),
            in.getMethod() == InterpolationMethod.INTERPOLATION_METHOD_SLERP ? Interpolation.SLERP : Interpolation.LINEAR,
            ends, in.getEndpointsCase() == dev.aeserve.proto.v1.Interpolation.EndpointsCase.INPUTS);
      }
      Queries.Sample q = new Queries.Sample(Integer.toUnsignedLong(req.getCount()), req.hasSeed() ? req.getSeed() : null,
          req.hasTemperature() ? req.getTemperature() : null, req.getCondition().getLabelsList(), interpolation);
      MatrixEncoding enc = req.getResponseEncoding() == MatrixEncoding.MATRIX_ENCODING_RAW_LE
          ? MatrixEncoding.MATRIX_ENCODING_RAW_LE : MatrixEncoding.MATRIX_ENCODING_VALUES;
      return inference.sample(selector(req.getModel()), q, c).thenApply(s -> SampleResponse.newBuilder()
          .setServedBy(servedBy(c))
          .setSamples(MatrixCodec.encode(s.samples().output(), enc))
          .setLatents(MatrixCodec.encode(s.samples().latent(), enc))
          .setSeed(s.seed())
          .build());
    });
  }

  @Override
  public void denoise(DenoiseRequest req, StreamObserver<DenoiseResponse> out) {
    calls.unary(Rpc.DENOISE, out, c -> {
      Corruption corruption = null;
      Long seed = null;
      if (req.hasCorruption()) {
        var p = req.getCorruption();
        corruption = new Corruption(p.getGaussianSigma(), p.getMaskProbability(), p.getSaltPepperProbability(),
            p.hasClipMin() ? (double) p.getClipMin() : null, p.hasClipMax() ? (double) p.getClipMax() : null);
        seed = p.hasSeed() ? p.getSeed() : null;
      }
      Queries.Denoise q = new Queries.Denoise(MatrixCodec.decode(req.getInputs(), "inputs"), corruption, seed);
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
      return inference.denoise(selector(req.getModel()), q, c).thenApply(d -> {
        DenoiseResponse.Builder b = DenoiseResponse.newBuilder()
            .setServedBy(servedBy(c))
            .setOutputs(MatrixCodec.encode(d.outputs(), enc));
        if (d.corruptionSeed() != null) {
          b.setCorruptionSeed(d.corruptionSeed());
          if (req.getReturnCorrupted()) {
            b.setCorrupted(MatrixCodec.encode(d.corrupted(), enc));
          }
          for (float e : d.cleanErrors()) {
            b.addCleanErrors(e);
          }
        }
        return b.build();
      });
    });
  }

  @Override
  public void recommend(RecommendRequest req, StreamObserver<RecommendResponse> out) {
    calls.unary(Rpc.RECOMMEND, out, c -> {
      List<Queries.User> users = new ArrayList<>(req.getUsersCount());
      for (UserHistory h : req.getUsersList()) {
        List<Interaction> history = new ArrayList<>(h.getInteractionsCount());
        for (var i : h.getInteractionsList()) {
          history.add(new Interaction(i.getItemId(), i.getValue()));
        }
        users.add(new Queries.User(h.getUserId(), history));
      }
      Queries.Recommend q = new Queries.Recommend(users, Integer.toUnsignedLong(req.getK()),
          req.hasExcludeSeen() ? req.getExcludeSeen() : null, req.getCandidateItemsList(), req.getExcludedItemsList());
      return inference.recommend(selector(req.getModel()), q, c).thenApply(answers -> {
        RecommendResponse.Builder b = RecommendResponse.newBuilder().setServedBy(servedBy(c));
        for (int u = 0; u < answers.size(); u++) {
          Recommendations r = answers.get(u);
          UserRecommendations.Builder ub = UserRecommendations.newBuilder()
              .setUserId(req.getUsers(u).getUserId())
              .addAllUnknownItems(r.unknownItemIds())
              .setUnknownItemCount(r.unknownItemCount());
          for (ScoredItem item : r.items()) {
            ub.addItems(dev.aeserve.proto.v1.ScoredItem.newBuilder().setItemId(item.itemId()).setScore(item.score()));
          }
          b.addUsers(ub);
        }
        return b.build();
      });
    });
  }

  static ModelSelector selector(ModelRef ref) {
    return switch (ref.getSelectorCase()) {
      case VERSION -> new ModelSelector(ref.getName(), Integer.toUnsignedLong(ref.getVersion()), null,
          ref.getRoutingKey());
      case ALIAS -> new ModelSelector(ref.getName(), null, ref.getAlias(), ref.getRoutingKey());
      case SELECTOR_NOT_SET -> new ModelSelector(ref.getName(), null, null, ref.getRoutingKey());
    };
  }

  private static ServedBy servedBy(InferenceCall c) {
    ResolvedVersion resolved = c.resolved();
    ServableVersion servable = c.servable();
    return ServedBy.newBuilder()
        .setModel(resolved.version().model())
        .setVersion(resolved.version().version())
        .setRoute(dev.aeserve.proto.v1.Route.valueOf("ROUTE_" + resolved.route().name()))
        .setAlias(resolved.alias())
        .setArm(resolved.arm())
        .setFamily(servable.spec().family().id())
        .setEngine(servable.model().engine().djlName())
        .build();
  }

  /** The score a request asks for, or null for the spec's own. */
  private static ScoreKind scoreKind(dev.aeserve.proto.v1.ScoreKind asked) {
    return switch (asked) {
      case SCORE_KIND_MSE -> ScoreKind.MSE;
      case SCORE_KIND_BCE -> ScoreKind.BCE;
      case SCORE_KIND_NEGATIVE_ELBO -> ScoreKind.NEG_ELBO;
      case SCORE_KIND_MSE_MAHALANOBIS -> ScoreKind.MSE_MAHALANOBIS;
      case SCORE_KIND_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  static dev.aeserve.proto.v1.ScoreKind toProto(ScoreKind kind) {
    return switch (kind) {
      case MSE -> dev.aeserve.proto.v1.ScoreKind.SCORE_KIND_MSE;
      case BCE -> dev.aeserve.proto.v1.ScoreKind.SCORE_KIND_BCE;
      case NEG_ELBO -> dev.aeserve.proto.v1.ScoreKind.SCORE_KIND_NEGATIVE_ELBO;
      case MSE_MAHALANOBIS -> dev.aeserve.proto.v1.ScoreKind.SCORE_KIND_MSE_MAHALANOBIS;
    };
  }
}
