package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveException;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.DenoiseRequest;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.UploadHeader;
import dev.aeserve.proto.v1.UploadVersionRequest;
import dev.aeserve.proto.v1.VersionInfo;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each kind of bad input gets its exact status code and a message that says what is wrong,
 * changes nothing, and leaves the server serving.
 */
class BadInputTest {

  private static final int WIDTH = 16;
  private static ServerFixture f;
  private static TrainedModel trained;
  private static float[][] rows;
  private static AutoencoderGrpc.AutoencoderBlockingStub stub;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
    trained = ServerFixture.tinyModel(WIDTH, 1);
    f.register("good-ae", trained);
    rows = SyntheticData.manifold(4, WIDTH, 5).toArray();
    stub = AutoencoderGrpc.newBlockingStub(f.channel);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  /** After every bad call: the server still serves, and the registry holds exactly what it held. */
  @AfterEach
  void serverStillServes() {
    assertThat(f.client.encode(ModelSelector.model("good-ae"), rows).latents()).hasNumberOfRows(rows.length);
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOfAny(StatusRuntimeException.class, AeserveException.class)
        .satisfies(e -> {
          Status s = e instanceof AeserveException ae
              ? ((StatusRuntimeException) ae.getCause()).getStatus()
              : ((StatusRuntimeException) e).getStatus();
          assertThat(s.getCode()).isEqualTo(code);
          assertThat(s.getDescription()).contains(messagePart);
        });
  }

  private static EncodeRequest encode(String model, Consumer<dev.aeserve.proto.v1.Matrix.Builder> inputs) {
    dev.aeserve.proto.v1.Matrix.Builder m = MatrixCodec.encode(Matrix.of(rows), MatrixEncoding.MATRIX_ENCODING_VALUES)
        .toBuilder();
    inputs.accept(m);
    return EncodeRequest.newBuilder().setModel(ModelRef.newBuilder().setName(model)).setInputs(m).build();
  }

  @Test
  void wrongInputWidth() {
    float[][] narrow = new float[2][WIDTH - 1];
    assertStatus(() -> f.client.encode(ModelSelector.model("good-ae"), narrow), Status.Code.INVALID_ARGUMENT, "15");
    assertStatus(() -> f.client.reconstruct(ModelSelector.model("good-ae"), narrow), Status.Code.INVALID_ARGUMENT, "15");
    assertStatus(() -> f.client.decode(ModelSelector.model("good-ae"), new float[2][4]), Status.Code.INVALID_ARGUMENT, "4");
  }

  @Test
  void nanAndInfinity() {
    assertStatus(() -> stub.encode(encode("good-ae", m -> m.setValues(3, Float.NaN))),
        Status.Code.INVALID_ARGUMENT, "row 0 column 3 is NaN");
    assertStatus(() -> stub.encode(encode("good-ae", m -> m.setValues(WIDTH + 1, Float.POSITIVE_INFINITY))),
        Status.Code.INVALID_ARGUMENT, "row 1 column 1 is Infinity");
  }

  @Test
  void zeroRows() {
    assertStatus(() -> stub.encode(encode("good-ae", m -> m.clearValues().setRows(0))),
        Status.Code.INVALID_ARGUMENT, "empty");
    assertStatus(() -> f.client.encode(ModelSelector.model("good-ae"), new float[0][]), Status.Code.INVALID_ARGUMENT,
        "empty");
  }

  @Test
  void moreRowsThanTheLimit() {
    float[][] many = SyntheticData.manifold(65, WIDTH, 3).toArray();
    assertStatus(() -> f.client.encode(ModelSelector.model("good-ae"), many), Status.Code.INVALID_ARGUMENT,
        "at most 64 rows");
  }

  @Test
  void valueCountDisagreesWithShape() {
    assertStatus(() -> stub.encode(encode("good-ae", m -> m.setRows(5))), Status.Code.INVALID_ARGUMENT,
        "needs 80 values, got 64");
    assertStatus(() -> stub.encode(encode("good-ae", m -> m.clearValues().setRawLe(ByteString.copyFrom(new byte[10])))),
        Status.Code.INVALID_ARGUMENT, "bytes of raw_le");
  }

  @Test
  void unknownModelVersionOrAlias() {
    assertStatus(() -> f.client.encode(ModelSelector.model("no-such-model"), rows), Status.Code.NOT_FOUND, "no-such-model");
    assertStatus(() -> f.client.encode(ModelSelector.version("good-ae", 99), rows), Status.Code.NOT_FOUND, "99");
    assertStatus(() -> f.client.encode(ModelSelector.alias("good-ae", "nope"), rows), Status.Code.NOT_FOUND, "nope");
    assertStatus(() -> f.client.encode(ModelSelector.model(""), rows), Status.Code.INVALID_ARGUMENT, "model.name");
  }

  @Test
  void invalidModelNameChangesNothing() {
    int before = f.client.listModels().size();
    assertStatus(() -> f.client.createModel("Bad_Name!", "ae", ""), Status.Code.INVALID_ARGUMENT, "Bad_Name!");
    assertStatus(() -> f.client.createModel("-leading-dash", "ae", ""), Status.Code.INVALID_ARGUMENT, "-leading-dash");
    assertStatus(() -> f.client.createModel("x".repeat(64), "ae", ""), Status.Code.INVALID_ARGUMENT, "");
    assertStatus(() -> f.client.createModel("fine-name", "no-such-family", ""), Status.Code.INVALID_ARGUMENT,
        "no-such-family");
    assertStatus(() -> f.client.createModel("good-ae", "ae", ""), Status.Code.ALREADY_EXISTS, "good-ae");
    assertThat(f.client.listModels()).hasSize(before);
  }

  @Test
  void weightsThatDoNotMatchTheSpecCreateNoVersion() {
    f.client.createModel("mismatch-ae", "ae", "");
    AutoencoderSpec wider = AutoencoderSpec.dense(WIDTH + 4, List.of(12), 3, "sigmoid", "mse");
    assertStatus(() -> f.client.uploadVersion("mismatch-ae", wider.toJson(), "{}", null, trained.weights()),
        Status.Code.INVALID_ARGUMENT, "");
    assertStatus(() -> f.client.uploadVersion("mismatch-ae", trained.spec().toJson(), "{}", null,
        "not weights at all".getBytes()), Status.Code.INVALID_ARGUMENT, "");
    assertStatus(() -> f.client.uploadVersion("mismatch-ae", "{\"family\":\"ae\"", "{}", null, trained.weights()),
        Status.Code.INVALID_ARGUMENT, "spec");
    assertStatus(() -> f.client.uploadVersion("no-such-model", trained.spec().toJson(), "{}", null, trained.weights()),
        Status.Code.NOT_FOUND, "no-such-model");
    assertThat(f.client.listVersions("mismatch-ae")).isEmpty();
  }

  @Test
  void anUploadCutOffHalfWayLeavesNothingBehind() throws Exception {
    f.client.createModel("cut-ae", "ae", "");
    byte[] w = trained.weights();
    UploadHeader header = UploadHeader.newBuilder()
        .setModel("cut-ae")
        .setSpecJson(trained.spec().toJson())
        .setArtifactSize(w.length)
        .setArtifactSha256(sha256(w))
        .build();

    // The client stops sending after half the bytes and closes the stream normally.
    CompletableFuture<VersionInfo> ended = upload(header, w, w.length / 2, true);
    assertStatus(() -> join(ended), Status.Code.INVALID_ARGUMENT, "ended after " + w.length / 2);

    // The client dies half way: the stream is cancelled.
    CompletableFuture<VersionInfo> cancelled = upload(header, w, w.length / 2, false);
    assertThatThrownBy(() -> join(cancelled)).isInstanceOf(StatusRuntimeException.class);

    // The bytes all arrive but one is damaged on the way: the hash catches it.
    byte[] damaged = w.clone();
    damaged[damaged.length / 3] ^= 1;
    CompletableFuture<VersionInfo> bad = upload(header, damaged, damaged.length, true);
    assertStatus(() -> join(bad), Status.Code.INVALID_ARGUMENT, "sha256");

    assertThat(f.client.listVersions("cut-ae")).isEmpty();
    assertThat(f.client.listEvents("cut-ae", 100)).extracting(e -> e.getAction()).containsOnly("model.create");
  }

  @Test
  void rpcsTheFamilyDoesNotServeNameTheFamilyAndWhatItServes() {
    ModelRef ref = ModelRef.newBuilder().setName("good-ae").build();
    assertStatus(() -> stub.sample(SampleRequest.newBuilder().setModel(ref).setCount(2).build()),
        Status.Code.FAILED_PRECONDITION, "Sample is not served by family 'ae'; it serves Encode, Decode, Reconstruct");
    assertStatus(() -> stub.denoise(DenoiseRequest.newBuilder().setModel(ref).build()),
        Status.Code.FAILED_PRECONDITION, "Denoise is not served by family 'ae'");
    assertStatus(() -> stub.recommend(RecommendRequest.newBuilder().setModel(ref).setK(3).build()),
        Status.Code.FAILED_PRECONDITION, "Recommend is not served by family 'ae'");
    assertStatus(() -> stub.sample(SampleRequest.newBuilder().setModel(ModelRef.newBuilder().setName("nope")).build()),
        Status.Code.NOT_FOUND, "nope");
  }

  @Test
  void aLatentFromAnotherLatentSpaceIsRefused() {
    f.register("other-ae", ServerFixture.tinyModel(WIDTH, 2));
    String otherSpace = f.client.encode(ModelSelector.model("other-ae"), rows).latentFingerprint();
    float[][] z = f.client.encode(ModelSelector.model("good-ae"), rows).latents();
    assertStatus(() -> f.client.decode(ModelSelector.model("good-ae"), z, otherSpace), Status.Code.FAILED_PRECONDITION,
        "latent_fingerprint");
  }

  @Test
  void anArchivedVersionDoesNotServe() {
    int v = f.register("archived-ae", trained);
    f.register("archived-ae", trained);
    f.client.archiveVersion("archived-ae", v);
    assertStatus(() -> f.client.encode(ModelSelector.version("archived-ae", v), rows), Status.Code.FAILED_PRECONDITION,
        "ARCHIVED");
    assertThat(f.client.encode(ModelSelector.model("archived-ae"), rows).servedBy().version()).isEqualTo(v + 1);
  }

  @Test
  void anArtifactAlteredInTheDatabaseFailsItsLoadAndNothingElse() throws Exception {
    // Same architecture, different weights (another seed), so a separate artifact row.
    int v = f.register("tampered-ae", ServerFixture.tinyModel(WIDTH, 3));
    String sha = f.client.listVersions("tampered-ae").get(0).getArtifactSha256();
    try (Connection c = f.database.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(
            "UPDATE artifact SET content = set_byte(content, 40, (get_byte(content, 40) + 1) % 256) WHERE sha256 = ?")) {
      ps.setString(1, sha);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    assertStatus(() -> f.client.encode(ModelSelector.version("tampered-ae", v), rows), Status.Code.DATA_LOSS, sha);
    // The version is still listed, unchanged; other models keep serving (checked after each test).
    assertThat(f.client.listVersions("tampered-ae")).hasSize(1);
  }

  @Test
  void samplingFromADeterministicEncoderIsRefused() {
    assertStatus(() -> stub.encode(encode("good-ae", m -> {}).toBuilder().setSample(true).build()),
        Status.Code.FAILED_PRECONDITION, "deterministic encoder");
  }

  @Test
  void decodeConditionOnANonConditionalFamilyIsRefused() {
    DecodeRequest req = DecodeRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName("good-ae"))
        .setLatents(MatrixCodec.encode(new Matrix(1, 3, new float[3]), MatrixEncoding.MATRIX_ENCODING_VALUES))
        .setCondition(dev.aeserve.proto.v1.Condition.newBuilder().addLabels("shoe"))
        .build();
    assertStatus(() -> stub.decode(req), Status.Code.FAILED_PRECONDITION, "not conditional");
  }

  private static CompletableFuture<VersionInfo> upload(UploadHeader header, byte[] bytes, int send, boolean complete) {
    CompletableFuture<VersionInfo> result = new CompletableFuture<>();
    StreamObserver<UploadVersionRequest> out = f.openUpload(result, java.time.Duration.ofSeconds(30));
    out.onNext(UploadVersionRequest.newBuilder().setHeader(header).build());
    out.onNext(UploadVersionRequest.newBuilder().setChunk(ByteString.copyFrom(bytes, 0, send)).build());
    if (complete) {
      out.onCompleted();
    } else {
      out.onError(Status.CANCELLED.withDescription("client died").asRuntimeException());
    }
    return result;
  }

  private static VersionInfo join(CompletableFuture<VersionInfo> f) throws Exception {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
  }
}
