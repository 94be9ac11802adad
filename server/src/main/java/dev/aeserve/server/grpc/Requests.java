package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.Interpolation;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.RecommendOptions;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.proto.v1.Condition;
import dev.aeserve.proto.v1.DenoiseRequest;
import dev.aeserve.proto.v1.InterpolationMethod;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.UserHistory;
import dev.aeserve.server.FamilyCapabilityException;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.runtime.RecommendTask;
import dev.aeserve.server.runtime.SampleTask;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns request messages into validated domain inputs. Everything here runs before a request is
 * queued, so what it refuses never reaches a batch.
 */
final class Requests {

  private static final SecureRandom SEEDS = new SecureRandom();

  private final MatrixCodec codec;
  private final int maxRows;

  Requests(MatrixCodec codec, int maxRows) {
    this.codec = codec;
    this.maxRows = maxRows;
  }

  /** A seed the caller gave, or a fresh one the response will echo. */
  static long seed(boolean given, long value) {
    return given ? value : SEEDS.nextLong();
  }

  /**
   * The condition label index of each of {@code rows} rows (one label for all, or one per row),
   * or null for a family without conditions.
   */
  static int[] labels(AutoencoderSpec spec, Condition condition, int rows) {
    return conditions(spec, condition).resolve(spec, rows);
  }

  static Conditions conditions(AutoencoderSpec spec, Condition condition) {
    List<String> labels = condition.getLabelsList();
    if (labels.isEmpty()) {
      return Conditions.NONE;
    }
    if (!spec.family().conditional()) {
      throw new FamilyCapabilityException("family '" + spec.family().id() + "' is not conditional; leave condition empty");
    }
    return labels.size() == 1 ? Conditions.named(spec, labels.get(0)) : Conditions.named(spec, labels);
  }

  /** The score a Reconstruct asks for, checked against what the family can compute. */
  static ScoreKind scoreKind(AutoencoderSpec spec, dev.aeserve.proto.v1.ScoreKind asked) {
    ScoreKind kind = switch (asked) {
      case SCORE_KIND_MSE -> ScoreKind.MSE;
      case SCORE_KIND_BCE -> ScoreKind.BCE;
      case SCORE_KIND_NEGATIVE_ELBO -> ScoreKind.NEG_ELBO;
      default -> spec.defaultScoreKind();
    };
    if (kind == ScoreKind.NEG_ELBO && !spec.family().variational()) {
      throw new FamilyCapabilityException("score_kind NEGATIVE_ELBO needs a variational family; family '"
          + spec.family().id() + "' scores with MSE or BCE");
    }
    return kind;
  }

  static dev.aeserve.proto.v1.ScoreKind toProto(ScoreKind kind) {
    return switch (kind) {
      case MSE -> dev.aeserve.proto.v1.ScoreKind.SCORE_KIND_MSE;
      case BCE -> dev.aeserve.proto.v1.ScoreKind.SCORE_KIND_BCE;
      case NEG_ELBO -> dev.aeserve.proto.v1.ScoreKind.SCORE_KIND_NEGATIVE_ELBO;
    };
  }

  SampleTask sample(AutoencoderSpec spec, SampleRequest req) {
    long seed = seed(req.hasSeed(), req.getSeed());
    double temperature = 1.0;
    if (req.hasTemperature()) {
      temperature = req.getTemperature();
      if (!Float.isFinite(req.getTemperature()) || temperature <= 0) {
        throw new InvalidRequestException("temperature must be finite and > 0, got " + req.getTemperature());
      }
    }
    Conditions conditions = conditions(spec, req.getCondition());
    if (!req.hasInterpolation()) {
      if (req.getCount() < 1 || req.getCount() > maxRows) {
        throw new InvalidRequestException("count must be in [1, " + maxRows + "], got " + req.getCount());
      }
      conditions.resolve(spec, req.getCount());
      return new SampleTask(req.getCount(), seed, temperature, conditions, null, null, null, false, 0);
    }
    var in = req.getInterpolation();
    int steps = in.getSteps();
    if (steps < 2 || steps > Math.min(maxRows, Interpolation.MAX_STEPS)) {
      throw new InvalidRequestException("interpolation.steps must be in [2, " + Math.min(maxRows, Interpolation.MAX_STEPS)
          + "], got " + steps);
    }
    Interpolation method = in.getMethod() == InterpolationMethod.INTERPOLATION_METHOD_SLERP
        ? Interpolation.SLERP : Interpolation.LINEAR;
    boolean inputs = switch (in.getEndpointsCase()) {
      case INPUTS -> true;
      case LATENTS -> false;
      case ENDPOINTS_NOT_SET -> throw new InvalidRequestException(
          "interpolation needs its two endpoints, as inputs or as latents");
    };
    Matrix ends = codec.decode(inputs ? in.getInputs() : in.getLatents(),
        inputs ? "interpolation.inputs" : "interpolation.latents");
    int width = inputs ? spec.inputDim() : spec.latentDim();
    if (ends.rows() != 2 || ends.cols() != width) {
      throw new InvalidRequestException("interpolation endpoints must be 2 rows of " + width + " values ("
          + (inputs ? "inputDim" : "latentDim") + "), got " + ends.rows() + "x" + ends.cols());
    }
    conditions.resolve(spec, steps);
    return new SampleTask(0, seed, temperature, conditions, method, ends.row(0), ends.row(1), inputs, steps);
  }

  /** The server-side corruption a Denoise call asks for, or null. */
  static Corruption corruption(DenoiseRequest req) {
    if (!req.hasCorruption()) {
      return null;
    }
    var c = req.getCorruption();
    return new Corruption(c.getGaussianSigma(), c.getMaskProbability(), c.getSaltPepperProbability(),
        c.hasClipMin() ? (double) c.getClipMin() : null, c.hasClipMax() ? (double) c.getClipMax() : null);
  }

  RecommendTask recommend(RecommendRequest req) {
    if (req.getUsersCount() == 0) {
      throw new InvalidRequestException("users is empty; send at least one user's history");
    }
    if (req.getUsersCount() > maxRows) {
      throw new InvalidRequestException(req.getUsersCount() + " users in one call; at most " + maxRows);
    }
    List<List<Interaction>> users = new ArrayList<>();
    for (int u = 0; u < req.getUsersCount(); u++) {
      UserHistory h = req.getUsers(u);
      if (h.getInteractionsCount() == 0) {
        throw new InvalidRequestException("user " + u + " (" + h.getUserId() + ") has an empty history");
      }
      List<Interaction> history = new ArrayList<>();
      for (var i : h.getInteractionsList()) {
        if (!Float.isFinite(i.getValue())) {
          throw new InvalidRequestException("user " + u + " item '" + i.getItemId() + "' has value " + i.getValue()
              + "; values must be finite");
        }
        history.add(new Interaction(i.getItemId(), i.getValue()));
      }
      users.add(history);
    }
    if (req.getK() < 1) {
      throw new InvalidRequestException("k must be >= 1, got " + req.getK());
    }
    RecommendOptions options = new RecommendOptions(req.getK(), !req.hasExcludeSeen() || req.getExcludeSeen(),
        Set.copyOf(req.getCandidateItemsList()), Set.copyOf(req.getExcludedItemsList()));
    return new RecommendTask(users, options);
  }
}
