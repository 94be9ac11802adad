package dev.aeserve.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.aeserve.proto.v1.ArchiveVersionRequest;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.CompareShadowRequest;
import dev.aeserve.proto.v1.Condition;
import dev.aeserve.proto.v1.Corruption;
import dev.aeserve.proto.v1.CreateModelRequest;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.DeleteAliasRequest;
import dev.aeserve.proto.v1.DenoiseRequest;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.GetModelRequest;
import dev.aeserve.proto.v1.GetTrafficRequest;
import dev.aeserve.proto.v1.GetVersionRequest;
import dev.aeserve.proto.v1.Interaction;
import dev.aeserve.proto.v1.Interpolation;
import dev.aeserve.proto.v1.ListEventsRequest;
import dev.aeserve.proto.v1.ListModelsRequest;
import dev.aeserve.proto.v1.ListVersionsRequest;
import dev.aeserve.proto.v1.Matrix;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.proto.v1.PromoteRequest;
import dev.aeserve.proto.v1.QualityGate;
import dev.aeserve.proto.v1.RecalibrateRequest;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.RollbackRequest;
import dev.aeserve.proto.v1.RolloutsGrpc;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.SetAliasRequest;
import dev.aeserve.proto.v1.SetTrafficRequest;
import dev.aeserve.proto.v1.TrafficArm;
import dev.aeserve.proto.v1.UploadHeader;
import dev.aeserve.proto.v1.UploadVersionRequest;
import dev.aeserve.proto.v1.UserHistory;
import io.grpc.MethodDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The API fuzz test's request generator: one seeded stream of calls across the Autoencoder,
 * ModelRegistry and Rollouts services. Inference calls mostly name real models (so they reach the
 * checks past NOT_FOUND); registry changes name the sandbox model or names that do not exist, never
 * the models inference uses; some calls are random or damaged bytes.
 */
final class FuzzRequests {

  /** A real model the requests aim at: its widths, condition labels and item vocabulary. */
  record Target(String name, String family, int inputWidth, int latentWidth, List<String> labels, List<String> items) {}

  /** The weights and documents of a real version, so uploads can be almost right. */
  record UploadKit(String specJson, String metricsJson, String calibrationJson, byte[] weights, String sha256) {}

  /**
   * One call: the method, its messages as bytes, a way to show them, whether it asks to change the
   * registry, and whether it may change it as a side effect (inference on the sandbox, whose
   * traffic split may carry a quality gate that a Reconstruct trips).
   */
  record Call(MethodDescriptor<?, ?> method, List<byte[]> messages, Supplier<String> shown, boolean mutating,
      boolean sideEffects) {
    Call(MethodDescriptor<?, ?> method, List<byte[]> messages, Supplier<String> shown, boolean mutating) {
      this(method, messages, shown, mutating, false);
    }

    Call withSideEffects() {
      return new Call(method, messages, shown, mutating, true);
    }
  }

  static final Set<String> MUTATING = Set.of("CreateModel", "UploadVersion", "SetAlias", "DeleteAlias", "Recalibrate",
      "ArchiveVersion", "SetTraffic", "Promote", "Rollback");
  private static final int SHOWN_CHARS = 400;
  private static final List<int[]> OVERFLOWING_SHAPES = List.of(new int[] {-1, -1}, new int[] {65536, 65536},
      new int[] {-1, 1}, new int[] {Integer.MIN_VALUE, 2}, new int[] {3, 0x55555556}, new int[] {-16, -1},
      new int[] {0x10000, 0x10010});

  private final FuzzValues v;
  private final List<Target> serving;
  private final Target sandbox;
  private final UploadKit kit;
  private final List<MethodDescriptor<?, ?>> allMethods = new ArrayList<>();

  FuzzRequests(FuzzValues values, List<Target> serving, Target sandbox, UploadKit kit) {
    this.v = values;
    this.serving = List.copyOf(serving);
    this.sandbox = sandbox;
    this.kit = kit;
    allMethods.addAll(AutoencoderGrpc.getServiceDescriptor().getMethods());
    allMethods.addAll(ModelRegistryGrpc.getServiceDescriptor().getMethods());
    allMethods.addAll(RolloutsGrpc.getServiceDescriptor().getMethods());
  }

  Call next() {
    double p = v.random.nextDouble();
    if (p < 0.12) {
      return rawBytes();
    }
    if (p < 0.55) {
      return inference();
    }
    if (p < 0.85) {
      return registry();
    }
    return rollout();
  }

  private Call typed(MethodDescriptor<?, ?> method, Message... messages) {
    List<byte[]> bytes = new ArrayList<>();
    for (Message m : messages) {
      bytes.add(m.toByteArray());
    }
    return new Call(method, bytes, () -> show(messages), MUTATING.contains(method.getBareMethodName()));
  }

  static String show(Message... messages) {
    StringBuilder b = new StringBuilder();
    for (Message m : messages) {
      if (b.length() > 0) {
        b.append(" | ");
      }
      b.append(TextFormat.printer().emittingSingleLine(true).escapingNonAscii(true).printToString(m));
      if (b.length() > SHOWN_CHARS) {
        return b.substring(0, SHOWN_CHARS) + "...";
      }
    }
    return b.toString();
  }

  // --- raw bytes -------------------------------------------------------------------------------

  /** Random bytes, or a real request's bytes damaged: for every method, parse failures and odd parses. */
  private Call rawBytes() {
    MethodDescriptor<?, ?> method = v.pick(allMethods);
    List<byte[]> messages = new ArrayList<>();
    int count = method.getType().clientSendsOneMessage() ? 1 : 1 + v.random.nextInt(3);
    for (int i = 0; i < count; i++) {
      byte[] b;
      if (v.chance(0.5)) {
        b = v.bytes(64);
      } else {
        Call base = inference();
        b = base.messages().get(0).clone();
        if (b.length == 0 || v.chance(0.3)) {
          b = java.util.Arrays.copyOf(b, b.length + 1 + v.random.nextInt(8));
        }
        for (int flips = 1 + v.random.nextInt(3); flips > 0; flips--) {
          b[v.random.nextInt(b.length)] = (byte) v.random.nextInt(256);
        }
        if (v.chance(0.3)) {
          b = java.util.Arrays.copyOf(b, v.random.nextInt(b.length + 1));
        }
      }
      messages.add(b);
    }
    String hex = HexFormat.of().formatHex(messages.get(0), 0, Math.min(messages.get(0).length, 96));
    return new Call(method, messages, () -> "raw bytes x" + messages.size() + ": " + hex,
        MUTATING.contains(method.getBareMethodName()));
  }

  // --- inference -------------------------------------------------------------------------------

  /** Mostly the serving models; sometimes the sandbox, whose newest version may be one a fuzz upload made. */
  private Call inference() {
    double p = v.random.nextDouble();
    Target t = p < 0.85 ? v.pick(serving) : p < 0.92 ? sandbox
        : new Target(v.chance(0.5) ? v.unknownName() : v.anyString(), "ae", 16, 3, List.of(), List.of());
    Call call = inference(t);
    return t == sandbox ? call.withSideEffects() : call;
  }

  private Call inference(Target t) {
    ModelRef ref = ref(t);
    return switch (v.random.nextInt(7)) {
      case 0 -> typed(AutoencoderGrpc.getEncodeMethod(), encode(t, ref));
      case 1 -> typed(AutoencoderGrpc.getDecodeMethod(), DecodeRequest.newBuilder().setModel(ref)
          .setLatents(matrix(t.latentWidth())).setLatentFingerprint(v.chance(0.8) ? "" : v.anyString())
          .setCondition(condition(t)).setResponseEncodingValue(encoding()).build());
      case 2 -> typed(AutoencoderGrpc.getReconstructMethod(), reconstruct(t, ref));
      case 3 -> {
        int n = 1 + v.random.nextInt(3);
        ReconstructRequest[] stream = new ReconstructRequest[n];
        for (int i = 0; i < n; i++) {
          stream[i] = reconstruct(t, ref);
        }
        yield typed(AutoencoderGrpc.getReconstructStreamMethod(), stream);
      }
      case 4 -> typed(AutoencoderGrpc.getSampleMethod(), sample(t, ref));
      case 5 -> typed(AutoencoderGrpc.getDenoiseMethod(), denoise(t, ref));
      default -> typed(AutoencoderGrpc.getRecommendMethod(), recommend(t, ref));
    };
  }

  private ModelRef ref(Target t) {
    ModelRef.Builder b = ModelRef.newBuilder().setName(t.name());
    double p = v.random.nextDouble();
    if (p < 0.15) {
      b.setVersion(v.chance(0.6) ? 1 : v.anyInt());
    } else if (p < 0.3) {
      b.setAlias(v.chance(0.5) ? "latest" : v.anyString());
    }
    if (v.chance(0.2)) {
      b.setRoutingKey(v.anyString());
    }
    return b.build();
  }

  private int encoding() {
    return v.chance(0.9) ? v.random.nextInt(3) : v.anyInt();
  }

  private Condition condition(Target t) {
    if (t.labels().isEmpty() ? v.chance(0.9) : v.chance(0.1)) {
      return Condition.getDefaultInstance();
    }
    Condition.Builder c = Condition.newBuilder();
    int n = v.chance(0.7) ? 1 : v.random.nextInt(6);
    for (int i = 0; i < n; i++) {
      c.addLabels(!t.labels().isEmpty() && v.chance(0.8) ? v.pick(t.labels()) : v.shortString());
    }
    return c.build();
  }

  /** A matrix that is right for {@code width} about half the time; otherwise wrong in one or more ways. */
  private Matrix matrix(int width) {
    Matrix.Builder m = Matrix.newBuilder();
    int rows = v.chance(0.7) ? 1 + v.random.nextInt(4) : v.anyInt();
    int cols = v.chance(0.7) ? width : v.chance(0.5) ? width + v.random.nextInt(3) - 1 : v.anyInt();
    if (v.chance(0.05)) {
      // Shapes whose product overflows 32 bits to a small number: as many values as the overflow says.
      int[] shape = v.pick(OVERFLOWING_SHAPES);
      rows = shape[0];
      cols = shape[1];
      m.setRows(rows).setCols(cols);
      for (int i = rows * cols; i > 0 && i <= 512; i--) {
        m.addValues(v.unitOr(0.9));
      }
      return m.build();
    }
    m.setRows(rows).setCols(cols);
    // Both below 2^16, or the unsigned product could overflow a long.
    boolean small = Integer.compareUnsigned(rows, 512) <= 0 && Integer.compareUnsigned(cols, 512) <= 0
        && rows * cols <= 512;
    int count = small && v.chance(0.85) ? rows * cols : v.random.nextInt(40);
    double form = v.random.nextDouble();
    if (form < 0.7) {
      for (int i = 0; i < count; i++) {
        m.addValues(v.unitOr(0.97));
      }
    } else if (form < 0.9) {
      ByteBuffer raw = ByteBuffer.allocate(count * 4 + (v.chance(0.9) ? 0 : v.random.nextInt(4)))
          .order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < count; i++) {
        raw.putFloat(v.unitOr(0.97));
      }
      m.setRawLe(ByteString.copyFrom(raw.array()));
    } else if (form < 0.95) {
      m.addValues(v.anyFloat()).setRawLe(ByteString.copyFrom(v.bytes(16)));
    }
    return m.build();
  }

  private EncodeRequest encode(Target t, ModelRef ref) {
    EncodeRequest.Builder b = EncodeRequest.newBuilder().setModel(ref).setInputs(matrix(t.inputWidth()))
        .setSample(v.chance(0.3)).setResponseEncodingValue(encoding()).setCondition(condition(t));
    if (v.chance(0.5)) {
      b.setSeed(v.anyLong());
    }
    return b.build();
  }

  private ReconstructRequest reconstruct(Target t, ModelRef ref) {
    return ReconstructRequest.newBuilder().setModel(ref).setInputs(matrix(t.inputWidth()))
        .setOmitOutputs(v.chance(0.3)).setIncludeFeatureErrors(v.chance(0.3))
        .setScoreKindValue(v.chance(0.9) ? v.random.nextInt(4) : v.anyInt())
        .setCondition(condition(t)).setResponseEncodingValue(encoding()).build();
  }

  private SampleRequest sample(Target t, ModelRef ref) {
    SampleRequest.Builder b = SampleRequest.newBuilder().setModel(ref).setCount(v.intOr(0.7, 1, 8))
        .setCondition(condition(t)).setResponseEncodingValue(encoding());
    if (v.chance(0.5)) {
      b.setSeed(v.anyLong());
    }
    if (v.chance(0.5)) {
      b.setTemperature(v.chance(0.5) ? 0.5f + v.random.nextFloat() : v.anyFloat());
    }
    if (v.chance(0.3)) {
      Interpolation.Builder in = Interpolation.newBuilder().setSteps(v.intOr(0.7, 2, 10))
          .setMethodValue(v.chance(0.9) ? v.random.nextInt(3) : v.anyInt());
      if (v.chance(0.5)) {
        in.setInputs(matrix(t.inputWidth()));
      } else if (v.chance(0.9)) {
        in.setLatents(matrix(t.latentWidth()));
      }
      b.setInterpolation(in);
    }
    return b.build();
  }

  private DenoiseRequest denoise(Target t, ModelRef ref) {
    DenoiseRequest.Builder b = DenoiseRequest.newBuilder().setModel(ref).setInputs(matrix(t.inputWidth()))
        .setReturnCorrupted(v.chance(0.5)).setResponseEncodingValue(encoding());
    if (v.chance(0.5)) {
      Corruption.Builder c = Corruption.newBuilder().setGaussianSigma(v.unitOr(0.7)).setMaskProbability(v.unitOr(0.7))
          .setSaltPepperProbability(v.unitOr(0.7));
      if (v.chance(0.5)) {
        c.setSeed(v.anyLong());
      }
      if (v.chance(0.4)) {
        c.setClipMin(v.unitOr(0.5));
      }
      if (v.chance(0.4)) {
        c.setClipMax(v.unitOr(0.5));
      }
      b.setCorruption(c);
    }
    return b.build();
  }

  private String item(Target t) {
    return !t.items().isEmpty() && v.chance(0.8) ? v.pick(t.items()) : v.shortString();
  }

  private RecommendRequest recommend(Target t, ModelRef ref) {
    RecommendRequest.Builder b = RecommendRequest.newBuilder().setModel(ref).setK(v.intOr(0.7, 1, 20));
    int users = v.chance(0.9) ? v.random.nextInt(4) : v.random.nextInt(200);
    for (int u = 0; u < users; u++) {
      UserHistory.Builder h = UserHistory.newBuilder().setUserId(v.chance(0.8) ? "u" + u : v.shortString());
      int n = v.chance(0.9) ? v.random.nextInt(6) : v.random.nextInt(300);
      for (int i = 0; i < n; i++) {
        h.addInteractions(Interaction.newBuilder().setItemId(item(t)).setValue(v.chance(0.8) ? 1 + v.random.nextInt(5)
            : v.anyFloat()));
      }
      b.addUsers(h);
    }
    if (v.chance(0.5)) {
      b.setExcludeSeen(v.chance(0.5));
    }
    for (int i = v.chance(0.7) ? 0 : v.random.nextInt(50); i > 0; i--) {
      b.addCandidateItems(item(t));
    }
    for (int i = v.chance(0.8) ? 0 : v.random.nextInt(20); i > 0; i--) {
      b.addExcludedItems(item(t));
    }
    return b.build();
  }

  // --- registry and rollouts --------------------------------------------------------------------

  /** A model for a registry call: mostly the sandbox; never a model inference uses, except to read. */
  private String model(boolean mutating) {
    double p = v.random.nextDouble();
    if (p < 0.6) {
      return sandbox.name();
    }
    if (p < 0.75 && !mutating) {
      return v.pick(serving).name();
    }
    return p < 0.9 ? v.unknownName() : v.anyString();
  }

  private int version() {
    return v.intOr(0.7, 1, 3);
  }

  private String alias() {
    return v.chance(0.5) ? v.pick(List.of("stable", "canary", "latest", "production")) : v.anyString();
  }

  /** JSON documents: kit's own, almost-right variants, and the odd ones. */
  private String json(String good) {
    double p = v.random.nextDouble();
    if (p < 0.4 && good != null) {
      return good;
    }
    if (p < 0.5 && good != null && good.contains("\"family\"")) {
      // A good spec whose batching block cannot batch.
      return good.replaceFirst("\\{", "{\"batching\":{\"maxBatchRows\":" + v.pick(List.of("0", "-1", "4294967296",
          "1e10", "\"x\"")) + "},");
    }
    if (p < 0.6 && good != null) {
      // One number in a good document replaced by an extreme.
      return good.replaceFirst("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?", v.pick(List.of("-1", "0", "4294967295",
          "9223372036854775808", "1e400", "-1e400", "NaN", "null", "\"x\"", "150", "0.0")));
    }
    return v.pick(List.of("", "null", "{}", "[]", "1", "\"s\"", "{\"a\":", "{\"family\":\"ae\"}", "[".repeat(5000),
        "{\"a\":".repeat(3000), "{\"batching\":{\"maxBatchRows\":0}}", "{\"family\":\"ae\",\"inputDim\":-1}",
        "{\"threshold\":1,\"scoreKind\":\"mse\",\"method\":\"percentile\",\"parameter\":150,\"sampleCount\":-1}",
        "{\"threshold\":1,\"scoreKind\":\"neg_elbo\",\"method\":\"percentile\",\"parameter\":99,\"sampleCount\":10}",
        v.anyString()));
  }

  private Call registry() {
    return switch (v.random.nextInt(12)) {
      case 0 -> typed(ModelRegistryGrpc.getCreateModelMethod(), CreateModelRequest.newBuilder()
          .setName(v.chance(0.3) ? "fz-new-" + v.random.nextInt(1000) : model(true))
          .setFamily(v.chance(0.7) ? v.pick(List.of("ae", "vae", "cvae", "dae", "conv_ae", "autorec", "multvae"))
              : v.anyString())
          .setDescription(v.chance(0.5) ? "fuzz" : v.anyString()).build());
      case 1 -> typed(ModelRegistryGrpc.getGetModelMethod(), GetModelRequest.newBuilder().setName(model(false)).build());
      case 2 -> typed(ModelRegistryGrpc.getListModelsMethod(), ListModelsRequest.getDefaultInstance());
      case 3 -> upload();
      case 4 -> {
        GetVersionRequest.Builder b = GetVersionRequest.newBuilder().setModel(model(false));
        if (v.chance(0.5)) {
          b.setVersion(version());
        } else if (v.chance(0.8)) {
          b.setAlias(alias());
        }
        yield typed(ModelRegistryGrpc.getGetVersionMethod(), b.build());
      }
      case 5 -> typed(ModelRegistryGrpc.getListVersionsMethod(),
          ListVersionsRequest.newBuilder().setModel(model(false)).build());
      case 6 -> typed(ModelRegistryGrpc.getSetAliasMethod(), SetAliasRequest.newBuilder().setModel(model(true))
          .setAlias(alias()).setVersion(version()).build());
      case 7 -> typed(ModelRegistryGrpc.getDeleteAliasMethod(), DeleteAliasRequest.newBuilder().setModel(model(true))
          .setAlias(alias()).build());
      case 8 -> typed(ModelRegistryGrpc.getRecalibrateMethod(), RecalibrateRequest.newBuilder().setModel(model(true))
          .setVersion(version()).setCalibrationJson(json(kit.calibrationJson())).build());
      case 9 -> typed(ModelRegistryGrpc.getArchiveVersionMethod(), ArchiveVersionRequest.newBuilder()
          .setModel(model(true)).setVersion(v.intOr(0.5, 2, 6)).build());
      default -> typed(ModelRegistryGrpc.getListEventsMethod(), ListEventsRequest.newBuilder()
          .setModel(v.chance(0.3) ? "" : model(false)).setLimit(v.intOr(0.5, 1, 50)).build());
    };
  }

  /** An upload: usually the kit's header with one part wrong, then chunks, in an order that may be wrong too. */
  private Call upload() {
    UploadHeader.Builder h = UploadHeader.newBuilder().setModel(model(true))
        .setSpecJson(json(kit.specJson())).setMetricsJson(v.chance(0.7) ? kit.metricsJson() : json(kit.metricsJson()))
        .setCalibrationJson(v.chance(0.5) ? "" : json(kit.calibrationJson()))
        .setArtifactSize(v.chance(0.6) ? kit.weights().length : v.anyLong())
        .setArtifactSha256(v.chance(0.6) ? kit.sha256() : v.chance(0.5) ? "ab".repeat(32) : v.anyString());
    if (v.chance(0.2)) {
      h.setParentVersion(v.anyInt());
    }
    List<UploadVersionRequest> messages = new ArrayList<>();
    UploadVersionRequest header = UploadVersionRequest.newBuilder().setHeader(h).build();
    double order = v.random.nextDouble();
    if (order < 0.85) {
      messages.add(header);
    }
    byte[] w = v.chance(0.8) ? kit.weights() : v.bytes(256);
    int chunks = v.chance(0.8) ? 1 + v.random.nextInt(3) : 0;
    int step = Math.max(1, (w.length + chunks - 1) / Math.max(1, chunks));
    for (int off = 0; chunks > 0 && off < w.length; off += step) {
      messages.add(UploadVersionRequest.newBuilder()
          .setChunk(ByteString.copyFrom(w, off, Math.min(step, w.length - off))).build());
    }
    if (order >= 0.85 && order < 0.92) {
      messages.add(header); // header after the weights
    } else if (order >= 0.92 && order < 0.96) {
      messages.add(0, header);
      messages.add(header); // two headers
    } else if (order >= 0.96) {
      messages.add(UploadVersionRequest.getDefaultInstance()); // neither part
    }
    return typed(ModelRegistryGrpc.getUploadVersionMethod(), messages.toArray(new Message[0]));
  }

  private TrafficArm arm(boolean shadow) {
    return TrafficArm.newBuilder().setVersion(version())
        .setWeight(v.chance(0.6) ? (shadow ? 1 + v.random.nextInt(100) : v.pick(List.of(0, 50, 100))) : v.anyInt())
        .build();
  }

  private Call rollout() {
    return switch (v.random.nextInt(5)) {
      case 0 -> {
        SetTrafficRequest.Builder b = SetTrafficRequest.newBuilder().setModel(model(true));
        for (int i = v.chance(0.8) ? 1 + v.random.nextInt(2) : v.random.nextInt(5); i > 0; i--) {
          b.addPrimaries(arm(false));
        }
        for (int i = v.chance(0.7) ? 0 : 1 + v.random.nextInt(2); i > 0; i--) {
          b.addShadows(arm(true));
        }
        if (v.chance(0.3)) {
          b.setGate(QualityGate.newBuilder().setMaxErrorIncreasePercent(v.anyDouble()).setMinRequests(v.anyInt()));
        }
        yield typed(RolloutsGrpc.getSetTrafficMethod(), b.build());
      }
      case 1 -> typed(RolloutsGrpc.getGetTrafficMethod(), GetTrafficRequest.newBuilder().setModel(model(false)).build());
      case 2 -> typed(RolloutsGrpc.getPromoteMethod(), PromoteRequest.newBuilder().setModel(model(true))
          .setVersion(version()).setAlias(v.chance(0.5) ? "" : alias()).build());
      case 3 -> typed(RolloutsGrpc.getRollbackMethod(), RollbackRequest.newBuilder().setModel(model(true)).build());
      default -> typed(RolloutsGrpc.getCompareShadowMethod(),
          CompareShadowRequest.newBuilder().setModel(model(false)).build());
    };
  }
}
