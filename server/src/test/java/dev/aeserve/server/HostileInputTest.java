package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The request-path observations of issue 10, each with its exact code: unsigned extremes, one
 * condition with one code, and input far outside what a model was trained on.
 */
class HostileInputTest {

  private static final int WIDTH = 16;
  private static ServerFixture f;
  private static AutoencoderGrpc.AutoencoderBlockingStub stub;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
    stub = AutoencoderGrpc.newBlockingStub(f.channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    f.register("sigmoid-ae", ServerFixture.tinyModel(WIDTH, 5));
    TrainingConfig config = new TrainingConfig(4, 32, 5e-3f, 0.2, 3, EngineKind.MXNET);
    TrainedModel vae = new AutoencoderTrainer(config).train(AutoencoderSpec.vae(WIDTH, List.of(12), 3, "sigmoid", "bce", 0.5),
        SyntheticData.manifold(300, WIDTH, 4));
    f.client.createModel("hostile-vae", "vae", "test");
    f.client.uploadVersion("hostile-vae", vae.spec().toJson(), vae.metrics().toJson(), null, vae.weights());
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static ModelRef ref(String name) {
    return ModelRef.newBuilder().setName(name).build();
  }

  private static dev.aeserve.proto.v1.Matrix rows(float... values) {
    return MatrixCodec.encode(new Matrix(values.length / WIDTH, WIDTH, values), MatrixEncoding.MATRIX_ENCODING_VALUES);
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String part) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(part);
    });
  }

  @Test
  void unsignedExtremesAreRefusedAsThemselves() {
    var huge = dev.aeserve.proto.v1.Matrix.newBuilder().setRows(-1).setCols(-1).addValues(0.5f).build();
    assertStatus(() -> stub.encode(EncodeRequest.newBuilder().setModel(ref("sigmoid-ae")).setInputs(huge).build()),
        Status.Code.INVALID_ARGUMENT, "4294967295x4294967295");
    assertStatus(() -> stub.encode(EncodeRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName("sigmoid-ae").setVersion(-1)).setInputs(rows(new float[WIDTH])).build()),
        Status.Code.INVALID_ARGUMENT, "4294967295");
    assertStatus(() -> stub.sample(SampleRequest.newBuilder().setModel(ref("hostile-vae")).setCount(-784).build()),
        Status.Code.INVALID_ARGUMENT, "got 4294966512");
  }

  @Test
  void aScoreTheFamilyCannotComputeIsOneConditionWithOneCode() {
    // Asked at the door and inside a batch alike: FAILED_PRECONDITION, never INVALID_ARGUMENT.
    assertStatus(() -> stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("sigmoid-ae"))
            .setInputs(rows(new float[WIDTH])).setScoreKind(ScoreKind.SCORE_KIND_NEGATIVE_ELBO).build()),
        Status.Code.FAILED_PRECONDITION, "needs a variational family");
  }

  @Test
  void rowsOutsideTheTrainedDomainAreFlaggedAnomalousWithTheReason() {
    float[] x = new float[3 * WIDTH];
    for (int i = 0; i < x.length; i++) {
      x[i] = 0.5f;
    }
    x[WIDTH + 4] = 5f;           // row 1: above the [0, 1] a sigmoid model was trained on
    x[2 * WIDTH + 7] = -3e4f;    // row 2: far below it
    ReconstructResponse r = stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("sigmoid-ae"))
        .setInputs(rows(x)).build());
    assertThat(r.getAnomalousList()).containsExactly(false, true, true);
    assertThat(r.getOutsideDomain(0)).isEmpty();
    assertThat(r.getOutsideDomain(1)).contains("column 4").contains("5");
    assertThat(r.getOutsideDomain(2)).contains("column 7");
    // A batch of rows all inside: no verdicts without a calibration, never guessed.
    ReconstructResponse inside = stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("sigmoid-ae"))
        .setInputs(rows(new float[WIDTH])).build());
    assertThat(inside.getAnomalousList()).isEmpty();
    assertThat(inside.getOutsideDomainList()).isEmpty();
    // Beyond what any model computes a finite score for: refused, not scored as normal.
    float[] extreme = new float[WIDTH];
    extreme[7] = -3.4e38f;
    assertStatus(() -> stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("sigmoid-ae"))
        .setInputs(rows(extreme)).build()), Status.Code.INVALID_ARGUMENT, "input values must be within");
  }

  @Test
  void decodeAndSampleNeverAnswerOkWithNonFiniteValues() {
    var latents = MatrixCodec.encode(new Matrix(1, 3, new float[] {1e38f, -1e38f, 1e38f}),
        MatrixEncoding.MATRIX_ENCODING_VALUES);
    assertStatus(() -> stub.decode(DecodeRequest.newBuilder().setModel(ref("hostile-vae")).setLatents(latents).build()),
        Status.Code.INVALID_ARGUMENT, "latent values must be within");
    assertStatus(() -> stub.sample(SampleRequest.newBuilder().setModel(ref("hostile-vae")).setCount(2)
            .setTemperature(3e38f).build()),
        Status.Code.INVALID_ARGUMENT, "temperature must be in");
    // Under the bound, what still overflows is refused after compute, never answered OK.
    var large = MatrixCodec.encode(new Matrix(1, 3, new float[] {9e7f, -9e7f, 9e7f}), MatrixEncoding.MATRIX_ENCODING_VALUES);
    try {
      var out = stub.decode(DecodeRequest.newBuilder().setModel(ref("hostile-vae")).setLatents(large).build());
      for (float v : MatrixCodec.decode(out.getOutputs(), "outputs").data()) {
        assertThat(Float.isFinite(v)).as("decoded value").isTrue();
      }
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
  }

  @Test
  void aMegabyteOfBadInputGetsTheRealErrorNotAnOversizedMessage() {
    String huge = "x".repeat(1_000_000);
    float[] row = new float[WIDTH];
    // Each would once come back as RESOURCE_EXHAUSTED "metadata size exceeds": the message echoed it whole.
    assertStatus(() -> stub.encode(EncodeRequest.newBuilder().setModel(ref(huge)).setInputs(rows(row)).build()),
        Status.Code.INVALID_ARGUMENT, "model name");
    assertStatus(() -> stub.encode(EncodeRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName("sigmoid-ae").setAlias(huge)).setInputs(rows(row)).build()),
        Status.Code.INVALID_ARGUMENT, "alias");
    assertStatus(() -> stub.decode(DecodeRequest.newBuilder().setModel(ref("hostile-vae")).setLatentFingerprint(huge)
            .setLatents(MatrixCodec.encode(new Matrix(1, 3, new float[3]), MatrixEncoding.MATRIX_ENCODING_VALUES)).build()),
        Status.Code.FAILED_PRECONDITION, "latent_fingerprint");
    assertStatus(() -> dev.aeserve.proto.v1.ModelRegistryGrpc.newBlockingStub(f.channel).createModel(
            dev.aeserve.proto.v1.CreateModelRequest.newBuilder().setName("fine").setFamily("ae").setDescription(huge).build()),
        Status.Code.INVALID_ARGUMENT, "description is longer than 1000 characters");
  }
}
