package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.GoldenBatch;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.TrainingProgress;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveException;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.proto.v1.UploadHeader;
import dev.aeserve.proto.v1.UploadVersionRequest;
import dev.aeserve.proto.v1.VersionInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every document of an upload is parsed, typed and checked before anything is stored: each refusal
 * has its DESIGN.md section 6 code and a message naming what is wrong, and leaves no version and no
 * audit row behind. Upload memory follows the bytes received, and the artifact limit is the
 * server's.
 */
class UploadDocumentsTest {

  private static final int WIDTH = 16;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static ServerFixture f;
  private static TrainedModel trained;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
    trained = ServerFixture.tinyModel(WIDTH, 1);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String... messageParts) {
    assertThatThrownBy(call)
        .isInstanceOfAny(StatusRuntimeException.class, AeserveException.class)
        .satisfies(e -> {
          Status s = e instanceof AeserveException ae
              ? ((StatusRuntimeException) ae.getCause()).getStatus()
              : ((StatusRuntimeException) e).getStatus();
          assertThat(s.getCode()).as(s.toString()).isEqualTo(code);
          for (String part : messageParts) {
            assertThat(s.getDescription()).contains(part);
          }
        });
  }

  /** The model exists with nothing but its creation in the audit log. */
  private static void assertUnchanged(String model) {
    assertThat(f.client.listVersions(model)).isEmpty();
    assertThat(f.client.listEvents(model, 100)).extracting(e -> e.getAction()).containsOnly("model.create");
  }

  private static String specWith(String batchingJson) throws Exception {
    ObjectNode spec = (ObjectNode) JSON.readTree(trained.spec().toJson());
    spec.set("batching", JSON.readTree(batchingJson));
    return spec.toString();
  }

  private static String calibration(String scoreKind, String method, double parameter, long sampleCount) {
    return "{\"threshold\":0.5,\"scoreKind\":\"" + scoreKind + "\",\"method\":\"" + method + "\",\"parameter\":"
        + parameter + ",\"sampleCount\":" + sampleCount + "}";
  }

  @Test
  void anArtifactSizeOf2To63OrMoreIsOverTheLimitAndPrintedUnsigned() throws Exception {
    f.client.createModel("huge-ae", "ae", "");
    for (long size : new long[] {Long.MIN_VALUE, -1L}) {
      UploadHeader header = UploadHeader.newBuilder().setModel("huge-ae").setSpecJson(trained.spec().toJson())
          .setArtifactSize(size).setArtifactSha256("00").build();
      CompletableFuture<VersionInfo> result = new CompletableFuture<>();
      StreamObserver<UploadVersionRequest> out = open(result);
      out.onNext(UploadVersionRequest.newBuilder().setHeader(header).build());
      assertStatus(() -> join(result), Status.Code.RESOURCE_EXHAUSTED, "over the limit",
          Long.toUnsignedString(size) + " bytes");
      assertThatThrownBy(() -> join(result)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("-"));
    }
    assertUnchanged("huge-ae");
  }

  @Test
  void unsignedVersionsAreRefusedAsTheNumbersSent() {
    f.client.createModel("unsigned-ae", "ae", "");
    var stub = ModelRegistryGrpc.newBlockingStub(f.channel);
    assertStatus(() -> stub.getVersion(dev.aeserve.proto.v1.GetVersionRequest.newBuilder().setModel("unsigned-ae")
        .setVersion(-1).build()), Status.Code.INVALID_ARGUMENT, "version must be between 1 and", "got 4294967295");
    assertStatus(() -> stub.recalibrate(dev.aeserve.proto.v1.RecalibrateRequest.newBuilder().setModel("unsigned-ae")
        .setVersion(Integer.MIN_VALUE).setCalibrationJson(calibration("mse", "percentile", 99, 10)).build()),
        Status.Code.INVALID_ARGUMENT, "got 2147483648");
    assertUnchanged("unsigned-ae");
  }

  @Test
  void aJsonNullSpecIsInvalidArgument() {
    f.client.createModel("null-spec-ae", "ae", "");
    assertStatus(() -> f.client.uploadVersion("null-spec-ae", "null", "{}", null, trained.weights()),
        Status.Code.INVALID_ARGUMENT, "spec must be a JSON object", "JSON null");
    assertUnchanged("null-spec-ae");
  }

  @Test
  void theBatchingBlockIsTypedAndCheckedAtUploadUnderTheCliNames() throws Exception {
    f.client.createModel("batching-ae", "ae", "");
    assertStatus(() -> f.client.uploadVersion("batching-ae", specWith("{\"max_batch_rows\": 0}"), "{}", null,
        trained.weights()), Status.Code.INVALID_ARGUMENT, "max_batch_rows must be >= 1, got 0");
    assertStatus(() -> f.client.uploadVersion("batching-ae", specWith("{\"maxBatchRows\": 64}"), "{}", null,
        trained.weights()), Status.Code.INVALID_ARGUMENT, "unknown key 'maxBatchRows' in batching", "max_batch_rows");
    assertStatus(() -> f.client.uploadVersion("batching-ae", specWith("{\"encode\": {\"max_queue_delay\": 500}}"),
        "{}", null, trained.weights()), Status.Code.INVALID_ARGUMENT, "batching.encode.max_queue_delay must be a duration");
    assertStatus(() -> f.client.uploadVersion("batching-ae", specWith("{\"sample\": {\"max_batch_rows\": 4}}"),
        "{}", null, trained.weights()), Status.Code.INVALID_ARGUMENT, "sample", "does not serve");
    assertStatus(() -> f.client.uploadVersion("batching-ae", specWith("{\"preferred\": [512]}"), "{}", null,
        trained.weights()), Status.Code.INVALID_ARGUMENT, "preferred batch size 512");
    assertUnchanged("batching-ae");

    // The names the CLI's --batch-policy uses are accepted, and the version serves.
    int v = f.client.uploadVersion("batching-ae", specWith(
        "{\"max_batch_rows\": 8, \"max_queue_delay\": \"500us\", \"encode\": {\"max_batch_rows\": 4, \"preferred\": [2]}}"),
        "{}", null, trained.weights()).getVersion();
    assertThat(f.client.encode(ModelSelector.version("batching-ae", v), new float[3][WIDTH]).latents()).hasNumberOfRows(3);
  }

  @Test
  void aNulCharacterInAnyStoredTextIsInvalidArgumentBeforeAnySql() {
    assertStatus(() -> f.client.createModel("nul-ae", "ae", "bad\u0000description"), Status.Code.INVALID_ARGUMENT,
        "description contains a NUL");
    assertThat(f.client.listModels()).extracting(m -> m.getName()).doesNotContain("nul-ae");
    f.client.createModel("nul-docs-ae", "ae", "");
    assertStatus(() -> f.client.uploadVersion("nul-docs-ae", trained.spec().toJson(), "{\"note\": \"a\\u0000b\"}",
        null, trained.weights()), Status.Code.INVALID_ARGUMENT, "metrics must not contain NUL");
    assertUnchanged("nul-docs-ae");
  }

  @Test
  void calibrationsOutOfRangeOrOfAScoreTheFamilyLacksAreRefusedAtUploadAndRecalibrate() {
    f.client.createModel("cal-ae", "ae", "");
    List<String[]> bad = List.of(
        new String[] {calibration("mse", "percentile", 99, -1), "sampleCount must be >= 1"},
        new String[] {calibration("mse", "percentile", 150, 10), "(0, 100]"},
        new String[] {calibration("neg_elbo", "percentile", 99, 10), "neg_elbo needs a variational family"});
    for (String[] c : bad) {
      assertStatus(() -> f.client.uploadVersion("cal-ae", trained.spec().toJson(), "{}", c[0], trained.weights()),
          Status.Code.INVALID_ARGUMENT, c[1]);
    }
    assertUnchanged("cal-ae");
    int v = f.client.uploadVersion("cal-ae", trained.spec().toJson(), "{}", null, trained.weights()).getVersion();
    for (String[] c : bad) {
      assertStatus(() -> f.client.recalibrate("cal-ae", v, c[0]), Status.Code.INVALID_ARGUMENT, c[1]);
    }
    assertThat(f.client.listVersions("cal-ae")).hasSize(1);
  }

  @Test
  void trainingStoresAGoldenBatchAndUploadsChecksTheOneTheyBring() throws Exception {
    GoldenBatch golden = trained.metrics().goldenBatch();
    assertThat(golden).isNotNull();
    assertThat(golden.rows().length).isBetween(1, GoldenBatch.TRAINED_ROWS);
    assertThat(golden.rows()[0]).hasSize(WIDTH);
    assertThat(golden.scoreKind()).isEqualTo("mse");
    assertThat(golden.meanScore()).isPositive();

    f.client.createModel("golden-ae", "ae", "");
    String narrow = "{\"goldenBatch\": {\"rows\": [[0.1, 0.2]]}}";
    assertStatus(() -> f.client.uploadVersion("golden-ae", trained.spec().toJson(), narrow, null, trained.weights()),
        Status.Code.INVALID_ARGUMENT, "goldenBatch rows have 2 values", "inputDim is 16");
    String infinite = "{\"goldenBatch\": {\"rows\": [[1e39" + ", 0.5".repeat(WIDTH - 1) + "]]}}";
    assertStatus(() -> f.client.uploadVersion("golden-ae", trained.spec().toJson(), infinite, null, trained.weights()),
        Status.Code.INVALID_ARGUMENT, "must be finite");
    StringBuilder tooMany = new StringBuilder("{\"goldenBatch\": {\"rows\": [");
    for (int r = 0; r <= GoldenBatch.MAX_ROWS; r++) {
      tooMany.append(r == 0 ? "" : ",").append("[0.5").append(", 0.5".repeat(WIDTH - 1)).append(']');
    }
    tooMany.append("]}}");
    assertStatus(() -> f.client.uploadVersion("golden-ae", trained.spec().toJson(), tooMany.toString(), null,
        trained.weights()), Status.Code.INVALID_ARGUMENT, "at most " + GoldenBatch.MAX_ROWS);
    String labelled = "{\"goldenBatch\": {\"rows\": [[0.5" + ", 0.5".repeat(WIDTH - 1) + "]], \"labels\": [\"x\"]}}";
    assertStatus(() -> f.client.uploadVersion("golden-ae", trained.spec().toJson(), labelled, null, trained.weights()),
        Status.Code.INVALID_ARGUMENT, "takes no conditions");
    assertUnchanged("golden-ae");

    // A trained version's own golden batch passes its warm-up.
    int v = f.client.uploadVersion("golden-ae", trained.spec().toJson(), trained.metrics().toJson(), null,
        trained.weights()).getVersion();
    f.client.setAlias("golden-ae", "production", v);
    assertThat(f.client.getModel("golden-ae").getAliasesList()).extracting(a -> a.getAlias()).contains("production");
  }

  @Test
  void aConditionalModelsGoldenBatchNeedsLabels() {
    AutoencoderSpec spec = AutoencoderSpec.cvae(WIDTH, List.of(8), 2, "sigmoid", "mse", 1.0, List.of("a", "b"));
    int[] labels = new int[200];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 2;
    }
    TrainedModel cvae = new AutoencoderTrainer(new TrainingConfig(2, 32, 1e-2f, 0.2, 1, EngineKind.MXNET))
        .train(spec, SyntheticData.manifold(200, WIDTH, 1), Conditions.perRow(labels), TrainingProgress.NONE);
    assertThat(cvae.metrics().goldenBatch().labels()).isNotNull().allMatch(l -> l.equals("a") || l.equals("b"));

    f.client.createModel("golden-cvae", "cvae", "");
    String unlabelled = "{\"goldenBatch\": {\"rows\": [[0.5" + ", 0.5".repeat(WIDTH - 1) + "]]}}";
    assertStatus(() -> f.client.uploadVersion("golden-cvae", cvae.spec().toJson(), unlabelled, null, cvae.weights()),
        Status.Code.INVALID_ARGUMENT, "needs labels");
    assertUnchanged("golden-cvae");
    int v = f.client.uploadVersion("golden-cvae", cvae.spec().toJson(), cvae.metrics().toJson(), null, cvae.weights())
        .getVersion();
    f.client.setAlias("golden-cvae", "production", v);
  }

  @Test
  void fiftyHeaderOnlyUploadsHoldLessThan64MiBBetweenThem() throws Exception {
    f.client.createModel("heap-ae", "ae", "");
    UploadHeader header = UploadHeader.newBuilder().setModel("heap-ae").setSpecJson(trained.spec().toJson())
        .setArtifactSize((1L << 30) - 1).setArtifactSha256("00").build();
    long before = usedHeapAfterGc();
    List<StreamObserver<UploadVersionRequest>> streams = new ArrayList<>();
    List<CompletableFuture<VersionInfo>> results = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        CompletableFuture<VersionInfo> result = new CompletableFuture<>();
        StreamObserver<UploadVersionRequest> out = open(result);
        out.onNext(UploadVersionRequest.newBuilder().setHeader(header).build());
        streams.add(out);
        results.add(result);
      }
      long during = usedHeapAfterGc();
      // The headers were accepted (none refused), and the streams wait for their bytes.
      assertThat(results).noneMatch(CompletableFuture::isDone);
      assertThat(during - before).isLessThan(64L << 20);
    } finally {
      streams.forEach(s -> s.onError(Status.CANCELLED.withDescription("test done").asRuntimeException()));
    }
    assertUnchanged("heap-ae");
  }

  @Test
  void theArtifactLimitIsTheServersAlone() throws Exception {
    // Over the registry's old 512 MiB default but under the server's 1 GiB: the header is accepted,
    // and the upload ends for what it is (too few bytes), not for a second limit.
    f.client.createModel("limit-ae", "ae", "");
    long size = 600L << 20;
    UploadHeader header = UploadHeader.newBuilder().setModel("limit-ae").setSpecJson(trained.spec().toJson())
        .setArtifactSize(size).setArtifactSha256("00").build();
    CompletableFuture<VersionInfo> result = new CompletableFuture<>();
    StreamObserver<UploadVersionRequest> out = open(result);
    out.onNext(UploadVersionRequest.newBuilder().setHeader(header).build());
    out.onNext(UploadVersionRequest.newBuilder().setChunk(ByteString.copyFrom(trained.weights())).build());
    out.onCompleted();
    assertStatus(() -> join(result), Status.Code.INVALID_ARGUMENT, "of the " + size + " bytes");

    try (ServerFixture small = ServerFixture.start(ServerConfig.defaults().withPort(0).withPreload(false)
        .withMaxArtifactBytes(1000))) {
      small.client.createModel("small-ae", "ae", "");
      assertStatus(() -> small.client.uploadVersion("small-ae", trained.spec().toJson(), "{}", null,
          trained.weights()), Status.Code.RESOURCE_EXHAUSTED, "limit of 1000 bytes");
    }
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  private static StreamObserver<UploadVersionRequest> open(CompletableFuture<VersionInfo> result) {
    return f.openUpload(result, java.time.Duration.ofSeconds(60));
  }

  private static VersionInfo join(CompletableFuture<VersionInfo> result) throws Exception {
    try {
      return result.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }
}
