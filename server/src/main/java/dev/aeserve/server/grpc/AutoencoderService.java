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
import io.grpc.stub.StreamObserver;

/**
 * The Autoencoder service: an adapter that maps proto to domain, calls the loaded model and maps
 * back. Routing lives in {@link VersionResolver}, models in {@link ModelRuntime}, and errors leave
 * through {@link StatusMapper}.
 */
public final class AutoencoderService extends AutoencoderGrpc.AutoencoderImplBase {

  private final VersionResolver resolver;
  private final ModelRuntime runtime;
  private final MatrixCodec codec;

  public AutoencoderService(VersionResolver resolver, ModelRuntime runtime, MatrixCodec codec) {
    this.resolver = resolver;
    this.runtime = runtime;
    this.codec = codec;
  }

  @Override
  public void encode(EncodeRequest req, StreamObserver<EncodeResponse> out) {
    Calls.unary(out, () -> {
      Target t = target(req.getModel(), Rpc.ENCODE);
      if (req.getSample()) {
        throw new FamilyCapabilityException("sample=true needs a family with a posterior to sample from; family '"
            + t.servable.spec().family().id() + "' has a deterministic encoder");
      }
      Matrix x = codec.decode(req.getInputs(), "inputs");
      Matrix z = t.servable.model().encode(x);
      MatrixEncoding enc = MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getInputs());
      return EncodeResponse.newBuilder()
          .setServedBy(t.servedBy())
          .setLatents(MatrixCodec.encode(z, enc))
          .setLatentFingerprint(t.servable.latentFingerprint())
          .build();
    });
  }

  @Override
  public void decode(DecodeRequest req, StreamObserver<DecodeResponse> out) {
    Calls.unary(out, () -> {
      Target t = target(req.getModel(), Rpc.DECODE);
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
      Matrix x = t.servable.model().decode(z);
      return DecodeResponse.newBuilder()
          .setServedBy(t.servedBy())
          .setOutputs(MatrixCodec.encode(x, MatrixCodec.responseEncoding(req.getResponseEncoding(), req.getLatents())))
          .setLatentFingerprint(expected)
          .build();
    });
  }

  @Override
  public void reconstruct(ReconstructRequest req, StreamObserver<ReconstructResponse> out) {
    Calls.unary(out, () -> reconstruct(req));
  }

  @Override
  public StreamObserver<ReconstructRequest> reconstructStream(StreamObserver<ReconstructResponse> out) {
    return new StreamObserver<>() {
      private boolean failed;

      @Override
      public void onNext(ReconstructRequest req) {
        if (failed) {
          return;
        }
        try {
          out.onNext(reconstruct(req));
        } catch (Throwable t) {
          failed = true;
          out.onError(StatusMapper.toStatus(t));
        }
      }

      @Override
      public void onError(Throwable t) {
        // The caller went away; nothing is left to answer.
      }

      @Override
      public void onCompleted() {
        if (!failed) {
          out.onCompleted();
        }
      }
    };
  }

  private ReconstructResponse reconstruct(ReconstructRequest req) {
    Target t = target(req.getModel(), Rpc.RECONSTRUCT);
    if (req.getCondition().getLabelsCount() > 0) {
      throw new FamilyCapabilityException("family '" + t.servable.spec().family().id()
          + "' is not conditional; leave condition empty");
    }
    Matrix x = codec.decode(req.getInputs(), "inputs");
    Reconstruction r = t.servable.model().reconstruct(x);
    String specLoss = t.servable.spec().loss();
    ScoreKind kind = req.getScoreKind() == ScoreKind.SCORE_KIND_UNSPECIFIED ? scoreKind(specLoss) : req.getScoreKind();
    String scoreLoss = switch (kind) {
      case SCORE_KIND_MSE -> "mse";
      case SCORE_KIND_BCE -> "bce";
      default -> throw new FamilyCapabilityException("score_kind " + kind + " needs a variational family; family '"
          + t.servable.spec().family().id() + "' scores with MSE or BCE");
    };
    Matrix errors = scoreLoss.equals(specLoss) ? r.featureErrors() : RowScores.featureErrors(scoreLoss, x, r.output());
    float[] scores = scoreLoss.equals(specLoss) ? r.scores() : RowScores.rowMeans(errors);
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
    Calibration cal = Calibration.fromJson(t.servable.version().calibrationJson());
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
    Calls.unary(out, () -> {
      target(req.getModel(), Rpc.SAMPLE);
      throw new NotImplementedYetException("Sample is not implemented by this server yet");
    });
  }

  @Override
  public void denoise(DenoiseRequest req, StreamObserver<DenoiseResponse> out) {
    Calls.unary(out, () -> {
      target(req.getModel(), Rpc.DENOISE);
      throw new NotImplementedYetException("Denoise is not implemented by this server yet");
    });
  }

  @Override
  public void recommend(RecommendRequest req, StreamObserver<RecommendResponse> out) {
    Calls.unary(out, () -> {
      target(req.getModel(), Rpc.RECOMMEND);
      throw new NotImplementedYetException("Recommend is not implemented by this server yet");
    });
  }

  /** Resolves the version, loads it, and checks that its family serves {@code rpc}. */
  private Target target(ModelRef ref, Rpc rpc) {
    ResolvedVersion resolved = resolver.resolve(ref);
    ServableVersion servable = runtime.get(resolved.version());
    servable.spec().family().requireServes(rpc);
    return new Target(resolved, servable);
  }

  private static ScoreKind scoreKind(String loss) {
    return switch (loss) {
      case "mse" -> ScoreKind.SCORE_KIND_MSE;
      case "bce" -> ScoreKind.SCORE_KIND_BCE;
      case "neg_elbo" -> ScoreKind.SCORE_KIND_NEGATIVE_ELBO;
      default -> throw new IllegalStateException("unknown loss " + loss);
    };
  }

  private record Target(ResolvedVersion resolved, ServableVersion servable) {
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
