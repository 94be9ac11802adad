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
import dev.aeserve.autoencoders.Texts;
import dev.aeserve.proto.oip.GRPCInferenceServiceGrpc;
import dev.aeserve.proto.oip.ModelInferRequest;
import dev.aeserve.proto.oip.ModelInferResponse;
import dev.aeserve.proto.oip.ModelMetadataRequest;
import dev.aeserve.proto.oip.ModelMetadataResponse;
import dev.aeserve.proto.oip.ModelReadyRequest;
import dev.aeserve.proto.oip.ModelReadyResponse;
import dev.aeserve.proto.oip.ServerLiveRequest;
import dev.aeserve.proto.oip.ServerLiveResponse;
import dev.aeserve.proto.oip.ServerMetadataRequest;
import dev.aeserve.proto.oip.ServerMetadataResponse;
import dev.aeserve.proto.oip.ServerReadyRequest;
import dev.aeserve.proto.oip.ServerReadyResponse;
import dev.aeserve.registry.RegistryNotFoundException;
import dev.aeserve.registry.VersionStateException;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.inference.Answers;
import dev.aeserve.server.inference.Inference;
import dev.aeserve.server.inference.InferenceCall;
import dev.aeserve.server.inference.Queries;
import dev.aeserve.server.metrics.ServingMetrics;
import dev.aeserve.server.routing.ModelSelector;
import dev.aeserve.server.routing.ResolvedVersion;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The Open Inference Protocol (KServe v2, {@code inference.GRPCInferenceService}): an adapter
 * beside {@link AutoencoderService}, over the same {@link Inference}. A model and an operation
 * its family serves form one v2 model, {@code NAME.OPERATION} ({@link InferModelName}); tensors
 * and parameters map to the same domain queries the native RPCs make ({@link InferSignature}
 * lists them), so v2 calls are routed, admitted and batched with native ones, refused with the
 * same codes, and counted in the same metrics under {@code protocol="v2"}.
 */
public final class OpenInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

  /** The platform ModelMetadata reports: the serving system, then the family. */
  static final String PLATFORM_PREFIX = "aeserve_";

  private final Inference inference;
  private final InferenceCalls calls;
  private final String serverVersion;

  public OpenInferenceService(Inference inference, ServingMetrics metrics, Ticker ticker) {
    this.inference = Objects.requireNonNull(inference, "inference");
    this.calls = new InferenceCalls(metrics, ticker, ServingMetrics.Protocol.V2);
    String v = OpenInferenceService.class.getPackage().getImplementationVersion();
    this.serverVersion = v == null ? "dev" : v;
  }

  @Override
  public void serverLive(ServerLiveRequest req, StreamObserver<ServerLiveResponse> out) {
    out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
    out.onCompleted();
  }

  @Override
  public void serverReady(ServerReadyRequest req, StreamObserver<ServerReadyResponse> out) {
    out.onNext(ServerReadyResponse.newBuilder().setReady(inference.isReady()).build());
    out.onCompleted();
  }

  @Override
  public void serverMetadata(ServerMetadataRequest req, StreamObserver<ServerMetadataResponse> out) {
    out.onNext(ServerMetadataResponse.newBuilder().setName("aeserve").setVersion(serverVersion).build());
    out.onCompleted();
  }

  /**
   * Ready when the server is, the name routes to a READY version now and its family serves the
   * operation. A name nobody registered is not ready (as Triton answers), not an error; the
   * version loads on its first call, as for native calls.
   */
  @Override
  public void modelReady(ModelReadyRequest req, StreamObserver<ModelReadyResponse> out) {
    boolean ready;
    try {
      InferModelName name = InferModelName.parse(req.getName());
      Answers.Described d = inference.describe(selector(name.model(), req.getVersion(), null, ""));
      ready = inference.isReady() && d.spec().family().serves(name.rpc());
    } catch (RegistryNotFoundException | VersionStateException | InvalidRequestException notReady) {
      ready = false;
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    out.onNext(ModelReadyResponse.newBuilder().setReady(ready).build());
    out.onCompleted();
  }

  @Override
  public void modelMetadata(ModelMetadataRequest req, StreamObserver<ModelMetadataResponse> out) {
    ModelMetadataResponse response;
    try {
      InferModelName name = InferModelName.parse(req.getName());
      Answers.Described d = inference.describe(selector(name.model(), req.getVersion(), null, ""));
      d.spec().family().requireServes(name.rpc());
      InferSignature sig = InferSignature.of(name.rpc(), d.spec());
      ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
          .setName(req.getName())
          .addVersions(Integer.toString(d.resolved().version().version()))
          .setPlatform(PLATFORM_PREFIX + d.spec().family().id());
      for (InferSignature.Tensor t : sig.inputs()) {
        b.addInputs(metadata(t));
      }
      for (InferSignature.Tensor t : sig.outputs()) {
        b.addOutputs(metadata(t));
      }
      response = b.build();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  /**
   * One inference call. The request is checked against the operation's tensors and parameters
   * before it is routed; what depends on the version (widths, labels, values) is admission's,
   * exactly as for a native call.
   */
  @Override
  public void modelInfer(ModelInferRequest req, StreamObserver<ModelInferResponse> out) {
    InferModelName name;
    try {
      name = InferModelName.parse(req.getModelName());
    } catch (RuntimeException e) {
      // No operation to label the outcome with: it is counted with rpc="(unresolved)".
      calls.unary(null, out, c -> CompletableFuture.failedFuture(e));
      return;
    }
    calls.unary(name.rpc(), out, c -> infer(name, req, c));
  }

  private CompletableFuture<ModelInferResponse> infer(InferModelName name, ModelInferRequest req, InferenceCall c) {
    String model = name.toString();
    InferSignature sig = InferSignature.of(name.rpc(), null);
    InferParameters params = new InferParameters(req.getParametersMap(), sig.parameters(), model);
    InferInputs in = new InferInputs(req, sig, model);
    InferOutputs outs = new InferOutputs(req, sig, in.typed(), model);
    ModelSelector selector = selector(name.model(), req.getModelVersion(), params.string("alias"),
        params.string("routing_key"));
    CompletableFuture<InferOutputs> answered = switch (name.rpc()) {
      case ENCODE -> encode(selector, in, params, outs, c);
      case DECODE -> decode(selector, in, params, outs, c);
      case RECONSTRUCT -> reconstruct(selector, in, params, outs, c);
      case SAMPLE -> sample(selector, in, params, outs, c);
      case DENOISE -> denoise(selector, in, params, outs, c);
      case RECOMMEND -> recommend(selector, in, params, outs, c);
    };
    return answered.thenApply(o -> {
      ResolvedVersion r = c.resolved();
      o.parameter("served_version", r.version().version())
          .parameter("route", r.route().name().toLowerCase(Locale.ROOT))
          .parameter("family", c.servable().spec().family().id());
      if (!r.alias().isEmpty()) {
        o.parameter("alias", r.alias());
      }
      if (!r.arm().isEmpty()) {
        o.parameter("arm", r.arm());
      }
      return o.response().setModelName(req.getModelName())
          .setModelVersion(Integer.toString(r.version().version()))
          .setId(req.getId())
          .build();
    });
  }

  private CompletableFuture<InferOutputs> encode(ModelSelector selector, InferInputs in, InferParameters params,
      InferOutputs outs, InferenceCall c) {
    boolean sample = Boolean.TRUE.equals(params.bool("sample"));
    Queries.Encode q = new Queries.Encode(in.rows("input"), in.strings("condition"), sample, params.integer("seed"));
    return inference.encode(selector, q, c).thenApply(e -> {
      outs.requireProduced("log_variance", e.encoding().logVariance() != null, "the family's encoder is deterministic");
      outs.requireProduced("sample", e.samples() != null, "set the parameter sample=true");
      outs.fp32("latent", e.encoding().mean());
      if (e.encoding().logVariance() != null) {
        outs.fp32("log_variance", e.encoding().logVariance());
      }
      if (e.samples() != null) {
        outs.fp32("sample", e.samples()).parameter("seed", e.seed());
      }
      return outs.parameter("latent_fingerprint", e.fingerprint());
    });
  }

  private CompletableFuture<InferOutputs> decode(ModelSelector selector, InferInputs in, InferParameters params,
      InferOutputs outs, InferenceCall c) {
    String fingerprint = params.string("latent_fingerprint");
    Queries.Decode q = new Queries.Decode(in.rows("latent"), in.strings("condition"),
        fingerprint == null ? "" : fingerprint);
    return inference.decode(selector, q, c).thenApply(d -> outs.fp32("output", d.outputs())
        .parameter("latent_fingerprint", d.fingerprint()));
  }

  private CompletableFuture<InferOutputs> reconstruct(ModelSelector selector, InferInputs in, InferParameters params,
      InferOutputs outs, InferenceCall c) {
    String kind = params.string("score_kind");
    Queries.Reconstruct q = new Queries.Reconstruct(in.rows("input"), in.strings("condition"),
        kind == null ? null : ScoreKind.fromId(kind));
    return inference.reconstruct(selector, q, c).thenApply(a -> {
      int rows = a.reconstruction().scores().length;
      outs.requireProduced("anomalous", a.anomalous() != null,
          "the version has no calibration of score " + a.kind().id() + " and every row is inside its input domain");
      outs.requireProduced("outside_domain", a.outsideDomain() != null, "every row is inside the version's input domain");
      outs.fp32("output", a.reconstruction().output())
          .fp32("score", List.of((long) rows), a.reconstruction().scores());
      if (a.anomalous() != null) {
        outs.bool("anomalous", a.anomalous());
      }
      if (a.outsideDomain() != null) {
        List<String> why = new ArrayList<>(rows);
        for (String w : a.outsideDomain()) {
          why.add(w == null ? "" : w);
        }
        outs.bytes("outside_domain", List.of((long) rows), why);
      }
      outs.fp32("feature_errors", a.reconstruction().featureErrors());
      outs.parameter("score_kind", a.kind().id());
      Calibration cal = a.calibration();
      if (cal != null) {
        outs.parameter("anomaly_threshold", cal.threshold()).parameter("calibration", cal.description());
      }
      return outs;
    });
  }

  private CompletableFuture<InferOutputs> sample(ModelSelector selector, InferInputs in, InferParameters params,
      InferOutputs outs, InferenceCall c) {
    if (in.has("interpolation_inputs") && in.has("interpolation_latents")) {
      throw new InvalidRequestException("send interpolation_inputs or interpolation_latents, not both");
    }
    Queries.Interpolate interpolation = null;
    Long steps = params.integer("interpolation_steps");
    String method = params.string("interpolation_method");
    if (steps != null || method != null || in.has("interpolation_inputs") || in.has("interpolation_latents")) {
      boolean inputs = in.has("interpolation_inputs");
      Matrix ends = inputs ? in.matrix("interpolation_inputs") : in.matrix("interpolation_latents");
      interpolation = new Queries.Interpolate(steps == null ? 0 : steps,
          method == null ? Interpolation.LINEAR : Interpolation.fromId(method), ends, inputs);
    }
    // A v2 caller sends no message with a count field to leave at zero: no count means one draw.
    Long count = params.integer("count");
    Double temperature = params.number("temperature");
    Queries.Sample q = new Queries.Sample(count == null ? 1 : count, params.integer("seed"),
        temperature == null ? null : (float) (double) temperature, in.strings("condition"), interpolation);
    return inference.sample(selector, q, c).thenApply(s -> outs.fp32("sample", s.samples().output())
        .fp32("latent", s.samples().latent())
        .parameter("seed", s.seed()));
  }

  private CompletableFuture<InferOutputs> denoise(ModelSelector selector, InferInputs in, InferParameters params,
      InferOutputs outs, InferenceCall c) {
    Corruption corruption = null;
    boolean corrupts = params.has("gaussian_sigma") || params.has("mask_probability")
        || params.has("salt_pepper_probability") || params.has("clip_min") || params.has("clip_max")
        || params.has("corruption_seed");
    if (corrupts) {
      // Through float, as the native message carries them, so both protocols corrupt alike.
      corruption = new Corruption(asFloat(params.number("gaussian_sigma")), asFloat(params.number("mask_probability")),
          asFloat(params.number("salt_pepper_probability")), asFloatOrNull(params.number("clip_min")),
          asFloatOrNull(params.number("clip_max")));
    }
    Queries.Denoise q = new Queries.Denoise(in.rows("input"), corruption, params.integer("corruption_seed"));
    return inference.denoise(selector, q, c).thenApply(d -> {
      outs.requireProduced("corrupted", d.corrupted() != null, "no corruption parameter was set");
      outs.requireProduced("clean_error", d.cleanErrors() != null, "no corruption parameter was set");
      outs.fp32("output", d.outputs());
      if (d.corruptionSeed() != null) {
        outs.fp32("corrupted", d.corrupted())
            .fp32("clean_error", List.of((long) d.cleanErrors().length), d.cleanErrors())
            .parameter("corruption_seed", d.corruptionSeed());
      }
      return outs;
    });
  }

  private CompletableFuture<InferOutputs> recommend(ModelSelector selector, InferInputs in, InferParameters params,
      InferOutputs outs, InferenceCall c) {
    // Without item_id there are no users, which admission refuses after the route.
    List<Long> shape = in.has("item_id") ? in.shape("item_id") : List.of(0L, 0L);
    int users = Math.toIntExact(shape.get(0));
    int width = Math.toIntExact(shape.get(1));
    List<String> items = in.strings("item_id");
    float[] values = in.floats("value");
    if (values != null && !in.shape("value").equals(shape)) {
      throw new InvalidRequestException("input 'value' has shape " + in.shape("value") + "; it must match item_id's "
          + shape);
    }
    List<String> ids = in.strings("user_id");
    if (in.has("user_id") && ids.size() != users) {
      throw new InvalidRequestException("input 'user_id' has " + ids.size() + " ids for " + users + " rows of item_id");
    }
    List<Queries.User> histories = new ArrayList<>(users);
    for (int u = 0; u < users; u++) {
      List<Interaction> history = new ArrayList<>();
      for (int i = 0; i < width; i++) {
        String item = items.get(u * width + i);
        // An empty id pads a row shorter than the widest one.
        if (!item.isEmpty()) {
          history.add(new Interaction(item, values == null ? 1f : values[u * width + i]));
        }
      }
      histories.add(new Queries.User(ids.isEmpty() ? "" : ids.get(u), history));
    }
    Long k = params.integer("k");
    Queries.Recommend q = new Queries.Recommend(histories, k == null ? 0 : k, params.bool("exclude_seen"),
        in.strings("candidate_items"), in.strings("excluded_items"));
    return inference.recommend(selector, q, c).thenApply(answers -> {
      int longest = 0;
      for (Recommendations r : answers) {
        longest = Math.max(longest, r.items().size());
      }
      List<String> ranked = new ArrayList<>(users * longest);
      float[] scores = new float[users * longest];
      long[] unknown = new long[users];
      for (int u = 0; u < users; u++) {
        Recommendations r = answers.get(u);
        for (int i = 0; i < longest; i++) {
          ScoredItem item = i < r.items().size() ? r.items().get(i) : null;
          // Rows with fewer items than the longest are padded: an empty id and a NaN score.
          ranked.add(item == null ? "" : item.itemId());
          scores[u * longest + i] = item == null ? Float.NaN : item.score();
        }
        unknown[u] = r.unknownItemCount();
      }
      List<Long> outShape = List.of((long) users, (long) longest);
      return outs.bytes("item_id", outShape, ranked).fp32("score", outShape, scores)
          .int64("unknown_item_count", unknown);
    });
  }

  private static double asFloat(Double v) {
    return v == null ? 0 : (float) (double) v;
  }

  private static Double asFloatOrNull(Double v) {
    return v == null ? null : (double) (float) (double) v;
  }

  /**
   * The domain selector: {@code model_version} is an exact version (digits) or empty; an alias and
   * a routing key come as parameters.
   */
  static ModelSelector selector(String model, String version, String alias, String routingKey) {
    if (version.isEmpty()) {
      return new ModelSelector(model, null, alias, routingKey);
    }
    if (!version.chars().allMatch(ch -> ch >= '0' && ch <= '9') || version.length() > 10) {
      throw new InvalidRequestException("model_version '" + Texts.capped(version) + "' is not a version number;"
          + " leave it empty to follow the model's traffic split, or name an alias with the parameter alias");
    }
    if (alias != null) {
      throw new InvalidRequestException("model_version " + version + " and parameter alias '" + Texts.capped(alias)
          + "' both select a version; send one");
    }
    return new ModelSelector(model, Long.parseLong(version), null, routingKey);
  }

  private static ModelMetadataResponse.TensorMetadata metadata(InferSignature.Tensor t) {
    return ModelMetadataResponse.TensorMetadata.newBuilder().setName(t.name()).setDatatype(t.datatype())
        .addAllShape(t.shape()).build();
  }
}
