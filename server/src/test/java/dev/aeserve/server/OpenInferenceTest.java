package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.proto.oip.GRPCInferenceServiceGrpc;
import dev.aeserve.proto.oip.InferParameter;
import dev.aeserve.proto.oip.InferTensorContents;
import dev.aeserve.proto.oip.ModelInferRequest;
import dev.aeserve.proto.oip.ModelInferResponse;
import dev.aeserve.proto.oip.ModelMetadataRequest;
import dev.aeserve.proto.oip.ModelMetadataResponse;
import dev.aeserve.proto.oip.ModelReadyRequest;
import dev.aeserve.proto.oip.ServerLiveRequest;
import dev.aeserve.proto.oip.ServerReadyRequest;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.registry.TokenScope;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.grpc.MatrixCodec;
import dev.aeserve.server.security.MethodScopes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Open Inference Protocol beside the native one: v2 calls join the same batches as native
 * calls for the same version and answer what they would answer alone; bad v2 requests get the
 * documented codes, never INTERNAL.
 */
class OpenInferenceTest {

  private static final int WIDTH = 16;
  /** Native and v2 calls, one row each: exactly one batch's worth. */
  private static final int CALLS = 40;
  private static ServerFixture f;
  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

  @BeforeAll
  static void start() {
    // mixed-ae's encodes go out only as a full batch of CALLS rows (or after a minute): one batch
    // must then hold native and v2 calls alike. solo-ae, the same weights with the defaults,
    // answers each call alone.
    BatchPolicy oneBatch = new BatchPolicy(CALLS, Duration.ofSeconds(60), 1024, List.of());
    ServerConfig config = ServerConfig.defaults().withPort(0).withMaxRowsPerRequest(64).withPreload(false)
        .withBatching(BatchingConfig.of(BatchPolicy.defaults()).withOverride("mixed-ae/encode", oneBatch));
    f = ServerFixture.start(config);
    f.register("mixed-ae", ServerFixture.tinyModel(WIDTH, 1));
    f.register("solo-ae", ServerFixture.tinyModel(WIDTH, 1));
    v2 = GRPCInferenceServiceGrpc.newBlockingStub(f.channel).withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static Matrix row(int i) {
    return SyntheticData.manifold(1, WIDTH, 100 + i);
  }

  private static ModelInferRequest.InferInputTensor.Builder fp32(String name, Matrix m) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float v : m.data()) {
      c.addFp32Contents(v);
    }
    return ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype("FP32")
        .addShape(m.rows()).addShape(m.cols()).setContents(c);
  }

  private static ByteString raw(Matrix m) {
    ByteBuffer b = ByteBuffer.allocate(m.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(m.data());
    return ByteString.copyFrom(b.array());
  }

  /** A v2 encode of {@code m} with raw contents, as Triton's clients send it. */
  private static ModelInferRequest encodeV2(String model, Matrix m) {
    return ModelInferRequest.newBuilder().setModelName(model + ".encode").setId("call")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(m.rows()).addShape(m.cols()))
        .addRawInputContents(raw(m)).build();
  }

  private static EncodeRequest encodeNative(String model, Matrix m) {
    return EncodeRequest.newBuilder().setModel(ModelRef.newBuilder().setName(model))
        .setInputs(MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_VALUES)).build();
  }

  private static float[] latent(ModelInferResponse r) {
    for (int i = 0; i < r.getOutputsCount(); i++) {
      if (r.getOutputs(i).getName().equals("latent")) {
        float[] out = new float[r.getRawOutputContents(i).size() / 4];
        r.getRawOutputContents(i).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
      }
    }
    throw new AssertionError("no latent in " + r);
  }

  private static void assertClose(float[] actual, float[] expected, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Math.abs(actual[i] - expected[i])).as(what + " [" + i + "]")
          .isLessThanOrEqualTo(1e-6f * Math.max(1f, Math.abs(expected[i])));
    }
  }

  private static double metric(String text, String name, String labels) {
    Matcher m = Pattern.compile("^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$", Pattern.MULTILINE)
        .matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void nativeAndV2CallsShareOneBatchAndEachAnswersAsAlone() throws Exception {
    // Every solo answer first, from the twin version served with default batching.
    var soloStub = AutoencoderGrpc.newBlockingStub(f.channel).withDeadlineAfter(1, TimeUnit.MINUTES);
    List<float[]> solo = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      solo.add(MatrixCodec.decode(soloStub.encode(encodeNative("solo-ae", row(i))).getLatents(), "latents").data());
    }
    // Loads mixed-ae through another lane, so its encode lane starts empty.
    f.client.reconstruct(dev.aeserve.client.ModelSelector.model("mixed-ae"), new float[1][WIDTH]);
    String before = f.server.metrics().scrape();

    var nativeStub = AutoencoderGrpc.newFutureStub(f.channel).withDeadlineAfter(2, TimeUnit.MINUTES);
    var v2Stub = GRPCInferenceServiceGrpc.newFutureStub(f.channel).withDeadlineAfter(2, TimeUnit.MINUTES);
    List<ListenableFuture<EncodeResponse>> natives = new ArrayList<>();
    List<ListenableFuture<ModelInferResponse>> v2s = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      if (i % 2 == 0) {
        natives.add(nativeStub.encode(encodeNative("mixed-ae", row(i))));
      } else {
        v2s.add(v2Stub.modelInfer(encodeV2("mixed-ae", row(i))));
      }
    }
    for (int i = 0; i < CALLS; i++) {
      float[] got = i % 2 == 0
          ? MatrixCodec.decode(natives.get(i / 2).get(2, TimeUnit.MINUTES).getLatents(), "latents").data()
          : latent(v2s.get(i / 2).get(2, TimeUnit.MINUTES));
      assertClose(got, solo.get(i), "call " + i + (i % 2 == 0 ? " (native)" : " (v2)"));
    }
    ModelInferResponse one = v2s.get(0).get();
    assertThat(one.getModelVersion()).isEqualTo("1");
    assertThat(one.getId()).isEqualTo("call");
    assertThat(one.getParametersMap().get("served_version").getInt64Param()).isEqualTo(1);

    // One batch of CALLS rows: it can only have filled with both protocols' calls in it.
    String batch = "model=\"mixed-ae\",rpc=\"encode\",version=\"1\"";
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String after = f.server.metrics().scrape();
    // Outcomes are counted just after the answers are sent: wait for the last of them.
    while (metric(after, "aeserve_requests_total", "code=\"OK\",model=\"mixed-ae\",protocol=\"v2\",rpc=\"encode\","
        + "version=\"1\"") < CALLS / 2 && System.nanoTime() < until) {
      Thread.onSpinWait();
      after = f.server.metrics().scrape();
    }
    assertThat(metric(after, "aeserve_batch_rows_count", batch) - metric(before, "aeserve_batch_rows_count", batch))
        .isEqualTo(1);
    assertThat(metric(after, "aeserve_batch_rows_sum", batch) - metric(before, "aeserve_batch_rows_sum", batch))
        .isEqualTo(CALLS);
    for (String protocol : List.of("aeserve", "v2")) {
      assertThat(metric(after, "aeserve_requests_total", "code=\"OK\",model=\"mixed-ae\",protocol=\"" + protocol
          + "\",rpc=\"encode\",version=\"1\"")).as(protocol).isEqualTo(CALLS / 2);
    }
  }

  @Test
  void probesAndMetadataDescribeTheOperationsAFamilyServes() {
    assertThat(v2.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(v2.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(v2.modelReady(ModelReadyRequest.newBuilder().setName("solo-ae.encode").build()).getReady()).isTrue();
    assertThat(v2.modelReady(ModelReadyRequest.newBuilder().setName("solo-ae.encode").setVersion("1").build())
        .getReady()).isTrue();
    // An ae has no prior: no sample model. Unknown names and versions are not ready either.
    for (String[] q : List.of(new String[] {"solo-ae.sample", ""}, new String[] {"solo-ae", ""},
        new String[] {"nobody.encode", ""}, new String[] {"solo-ae.encode", "9"})) {
      assertThat(v2.modelReady(ModelReadyRequest.newBuilder().setName(q[0]).setVersion(q[1]).build()).getReady())
          .as(q[0] + " v" + q[1]).isFalse();
    }
    ModelMetadataResponse md = v2.modelMetadata(ModelMetadataRequest.newBuilder().setName("solo-ae.reconstruct").build());
    assertThat(md.getVersionsList()).containsExactly("1");
    assertThat(md.getPlatform()).isEqualTo("aeserve_ae");
    assertThat(md.getInputsList()).singleElement().satisfies(t -> {
      assertThat(t.getName()).isEqualTo("input");
      assertThat(t.getDatatype()).isEqualTo("FP32");
      assertThat(t.getShapeList()).containsExactly(-1L, (long) WIDTH);
    });
    assertThat(md.getOutputsList()).extracting(ModelMetadataResponse.TensorMetadata::getName)
        .containsExactly("output", "score", "anomalous", "outside_domain", "feature_errors");

    assertThat(MethodScopes.required(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName()))
        .contains(TokenScope.INFER);
    assertThat(MethodScopes.required(GRPCInferenceServiceGrpc.getModelMetadataMethod().getFullMethodName()))
        .contains(TokenScope.INFER);
    assertThat(MethodScopes.required(GRPCInferenceServiceGrpc.getServerReadyMethod().getFullMethodName()))
        .isEqualTo(Optional.empty());
  }

  @Test
  void typedContentsAnswerTypedAndEqualTheNativeAnswer() {
    Matrix x = SyntheticData.manifold(3, WIDTH, 7);
    ModelInferResponse r = v2.modelInfer(ModelInferRequest.newBuilder().setModelName("solo-ae.reconstruct")
        .setModelVersion("1").addInputs(fp32("input", x)).build());
    assertThat(r.getRawOutputContentsCount()).isZero();
    assertThat(r.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
        .containsExactly("output", "score");
    var nativeAnswer = AutoencoderGrpc.newBlockingStub(f.channel).reconstruct(
        dev.aeserve.proto.v1.ReconstructRequest.newBuilder().setModel(ModelRef.newBuilder().setName("solo-ae"))
            .setInputs(MatrixCodec.encode(x, MatrixEncoding.MATRIX_ENCODING_VALUES)).build());
    float[] scores = new float[3];
    for (int i = 0; i < 3; i++) {
      scores[i] = r.getOutputs(1).getContents().getFp32Contents(i);
    }
    float[] expected = new float[3];
    for (int i = 0; i < 3; i++) {
      expected[i] = nativeAnswer.getScores(i);
    }
    assertClose(scores, expected, "scores");
    assertThat(r.getParametersMap().get("score_kind").getStringParam()).isEqualTo("mse");
  }

  private static Status.Code codeOf(ModelInferRequest req) {
    try {
      v2.modelInfer(req);
      throw new AssertionError("served: " + req);
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getDescription()).as("message of " + e.getStatus().getCode()).isNotBlank();
      return e.getStatus().getCode();
    }
  }

  private static ModelInferRequest bad(UnaryOperator<ModelInferRequest.Builder> change) {
    return change.apply(encodeV2("solo-ae", row(1)).toBuilder()).build();
  }

  @Test
  void badV2RequestsGetTheDocumentedCodes() {
    record Case(String what, ModelInferRequest req, Status.Code code) {}
    Matrix x = row(1);
    List<Case> cases = List.of(
        new Case("unknown model", bad(b -> b.setModelName("nobody.encode")), Status.Code.NOT_FOUND),
        new Case("no operation", bad(b -> b.setModelName("solo-ae")), Status.Code.NOT_FOUND),
        new Case("unknown operation", bad(b -> b.setModelName("solo-ae.predict")), Status.Code.NOT_FOUND),
        new Case("unknown version", bad(b -> b.setModelVersion("9")), Status.Code.NOT_FOUND),
        new Case("version not a number", bad(b -> b.setModelVersion("latest")), Status.Code.INVALID_ARGUMENT),
        new Case("operation the family does not serve", bad(b -> b.setModelName("solo-ae.sample")
            .clearInputs().clearRawInputContents()), Status.Code.FAILED_PRECONDITION),
        new Case("wrong datatype", bad(b -> b.setInputs(0, b.getInputs(0).toBuilder().setDatatype("FP64"))),
            Status.Code.INVALID_ARGUMENT),
        new Case("wrong rank", bad(b -> b.setInputs(0, b.getInputs(0).toBuilder().clearShape().addShape(WIDTH))),
            Status.Code.INVALID_ARGUMENT),
        new Case("wrong width", ModelInferRequest.newBuilder().setModelName("solo-ae.encode")
            .addInputs(fp32("input", SyntheticData.manifold(1, WIDTH + 1, 1))).build(), Status.Code.INVALID_ARGUMENT),
        new Case("contents short of the shape", bad(b -> b.setInputs(0, b.getInputs(0).toBuilder().setShape(0, 2))),
            Status.Code.INVALID_ARGUMENT),
        new Case("missing input", bad(b -> b.clearInputs().clearRawInputContents()), Status.Code.INVALID_ARGUMENT),
        new Case("unknown input", bad(b -> b.setInputs(0, b.getInputs(0).toBuilder().setName("x"))),
            Status.Code.INVALID_ARGUMENT),
        new Case("unknown parameter", bad(b -> b.putParameters("temperatur",
            InferParameter.newBuilder().setDoubleParam(0.5).build())), Status.Code.INVALID_ARGUMENT),
        new Case("parameter of the wrong type", bad(b -> b.putParameters("seed",
            InferParameter.newBuilder().setStringParam("seven").build())), Status.Code.INVALID_ARGUMENT),
        new Case("unknown output", bad(b -> b.addOutputs(
            ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("z"))), Status.Code.INVALID_ARGUMENT),
        new Case("raw and typed contents", bad(b -> b.setInputs(0, fp32("input", x))), Status.Code.INVALID_ARGUMENT),
        new Case("a NaN", ModelInferRequest.newBuilder().setModelName("solo-ae.encode")
            .addInputs(fp32("input", new Matrix(1, WIDTH, new float[WIDTH])).setContents(InferTensorContents.newBuilder()
                .addAllFp32Contents(java.util.Collections.nCopies(WIDTH, Float.NaN)))).build(),
            Status.Code.INVALID_ARGUMENT),
        new Case("log_variance of a deterministic encoder", bad(b -> b.addOutputs(
            ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("log_variance"))),
            Status.Code.INVALID_ARGUMENT));
    for (Case c : cases) {
      assertThat(codeOf(c.req())).as(c.what()).isEqualTo(c.code());
    }
    assertThatThrownBy(() -> v2.modelMetadata(ModelMetadataRequest.newBuilder().setName("nobody.encode").build()))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> v2.modelMetadata(ModelMetadataRequest.newBuilder().setName("solo-ae.recommend").build()))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
  }

  /** What each operation takes, so most random requests get past the name checks to the deeper ones. */
  private static final java.util.Map<String, List<String>> INPUTS = java.util.Map.of(
      "encode", List.of("input", "condition"), "decode", List.of("latent", "condition"),
      "reconstruct", List.of("input", "condition"), "sample", List.of("interpolation_inputs", "interpolation_latents"),
      "denoise", List.of("input"), "recommend", List.of("item_id", "value", "user_id", "candidate_items"));
  private static final java.util.Map<String, List<String>> PARAMS = java.util.Map.of(
      "encode", List.of("sample", "seed", "routing_key", "alias"),
      "decode", List.of("latent_fingerprint", "routing_key"),
      "reconstruct", List.of("score_kind", "alias"),
      "sample", List.of("count", "seed", "temperature", "interpolation_steps", "interpolation_method"),
      "denoise", List.of("gaussian_sigma", "mask_probability", "clip_min", "clip_max", "corruption_seed"),
      "recommend", List.of("k", "exclude_seen"));

  /**
   * Seeded random v2 requests (names, datatypes, shapes up to overflowing ones, raw and typed
   * contents of wrong lengths, BYTES with broken length prefixes, parameters of every type, bytes
   * that do not parse), most of them nearly right: none fails inside the server, and the server
   * still answers afterwards.
   */
  @Test
  void randomV2RequestsNeverFailInternally() {
    // -Doip.fuzz.seed=N replays another stream.
    java.util.Random random = new java.util.Random(Long.getLong("oip.fuzz.seed", 17));
    List<String> ops = List.of("encode", "decode", "reconstruct", "sample", "denoise", "recommend");
    List<String> badModels = List.of("nobody.encode", "solo-ae", "", ".encode", "solo-ae.encode.encode");
    List<String> types = List.of("BYTES", "BOOL", "FP64", "INT64", "", "fp32");
    long[] dims = {0, 2, 3, WIDTH + 1, -1, -7, 65_536, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
    java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();
    for (int i = 0; i < 1500; i++) {
      Status status;
      if (random.nextInt(10) == 0) {
        byte[] junk = new byte[random.nextInt(64)];
        random.nextBytes(junk);
        status = RawCalls.call(f.channel, GRPCInferenceServiceGrpc.getModelInferMethod(), List.of(junk),
            Duration.ofSeconds(30)).status();
      } else {
        String op = ops.get(random.nextInt(ops.size()));
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(random.nextInt(12) == 0
            ? badModels.get(random.nextInt(badModels.size())) : "solo-ae." + op);
        if (random.nextInt(5) == 0) {
          b.setModelVersion(List.of("1", "2", "0", "-1", "x", "99999999999").get(random.nextInt(6)));
        }
        boolean useRaw = random.nextBoolean();
        int inputs = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(2);
        for (int t = 0; t < inputs; t++) {
          List<String> names = INPUTS.get(op);
          String name = random.nextInt(15) == 0 ? "x" : names.get(random.nextInt(names.size()));
          boolean bytesTensor = name.endsWith("_id") || name.equals("condition") || name.endsWith("_items");
          int rank = name.equals("item_id") || name.equals("value") || !bytesTensor ? 2 : 1;
          int rows = 1 + random.nextInt(3);
          long[] shape = rank == 2 ? new long[] {rows, name.equals("item_id") || name.equals("value") ? 3 : WIDTH}
              : new long[] {rows};
          String type = bytesTensor ? "BYTES" : "FP32";
          // One flaw, sometimes: a datatype, a dimension or the rank.
          switch (random.nextInt(8)) {
            case 0 -> type = types.get(random.nextInt(types.size()));
            case 1 -> shape[random.nextInt(shape.length)] = dims[random.nextInt(dims.length)];
            case 2 -> shape = java.util.Arrays.copyOf(shape, random.nextInt(4));
            default -> { }
          }
          var in = ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(type);
          long elements = 1;
          for (long d : shape) {
            in.addShape(d);
            elements = Math.max(0, Math.min(4 * WIDTH * 3, elements * Math.max(0, d)));
          }
          int n = (int) elements + (random.nextInt(6) == 0 ? random.nextInt(5) - 2 : 0);
          n = Math.max(0, n);
          if (useRaw) {
            ByteBuffer buf = ByteBuffer.allocate(bytesTensor ? n * 8 : n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < n; k++) {
              if (bytesTensor) {
                // A length prefix, sometimes a lying one, then up to 4 bytes of an id.
                int len = random.nextInt(12) == 0 ? random.nextInt() : 2;
                buf.putInt(len).put((byte) 'i').put((byte) ('0' + random.nextInt(10)));
              } else {
                buf.putFloat(random.nextInt(30) == 0 ? Float.POSITIVE_INFINITY : random.nextFloat());
              }
            }
            b.addRawInputContents(ByteString.copyFrom(buf.array(), 0, buf.position()));
          } else {
            InferTensorContents.Builder c = InferTensorContents.newBuilder();
            for (int k = 0; k < n; k++) {
              if (bytesTensor) {
                c.addBytesContents(ByteString.copyFromUtf8(random.nextInt(10) == 0 ? "" : "i" + random.nextInt(10)));
              } else {
                c.addFp32Contents(random.nextInt(30) == 0 ? Float.NaN : random.nextFloat());
              }
            }
            in.setContents(c);
          }
          b.addInputs(in);
        }
        if (useRaw && random.nextInt(10) == 0) {
          b.addRawInputContents(ByteString.EMPTY);
        }
        int ps = random.nextInt(3);
        for (int k = 0; k < ps; k++) {
          InferParameter.Builder p = InferParameter.newBuilder();
          switch (random.nextInt(5)) {
            case 0 -> p.setBoolParam(random.nextBoolean());
            case 1 -> p.setInt64Param(random.nextBoolean() ? random.nextInt(10) - 2 : random.nextLong());
            case 2 -> p.setStringParam(List.of("mse", "slerp", "x", "", "production").get(random.nextInt(5)));
            case 3 -> p.setDoubleParam(List.of(0.5, -1.0, Double.NaN, 1e300, 3.0).get(random.nextInt(5)));
            default -> p.setUint64Param(random.nextBoolean() ? random.nextInt(5) : random.nextLong());
          }
          List<String> names = PARAMS.get(op);
          b.putParameters(random.nextInt(15) == 0 ? "bogus" : names.get(random.nextInt(names.size())), p.build());
        }
        if (random.nextInt(5) == 0) {
          b.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
              .setName(List.of("latent", "output", "score", "feature_errors", "sample", "nope").get(random.nextInt(6))));
        }
        try {
          v2.modelInfer(b.build());
          status = Status.OK;
        } catch (StatusRuntimeException e) {
          status = e.getStatus();
        }
      }
      outcomes.merge(status.getCode().name(), 1, Integer::sum);
      assertThat(status.getCode()).as("request %d: %s", i, status).isNotIn(Status.Code.INTERNAL, Status.Code.UNKNOWN);
    }
    assertThat(outcomes).as("outcomes").containsKeys("OK", "INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION");
    // Still serving after all that.
    assertThat(latent(v2.modelInfer(encodeV2("solo-ae", row(3))))).hasSize(3);
  }
}
