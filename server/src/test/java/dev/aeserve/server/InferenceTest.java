package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.DecodeResult;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.client.ReconstructResult;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Encode, Decode and Reconstruct end to end: registry, runtime, gRPC and the Java client. */
class InferenceTest {

  private static final int WIDTH = 16;
  private static ServerFixture f;
  private static TrainedModel trained;
  private static float[][] rows;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
    trained = ServerFixture.tinyModel(WIDTH, 1);
    f.register("sensor-ae", trained);
    rows = SyntheticData.manifold(5, WIDTH, 99).toArray();
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void encodeReturnsOneLatentRowPerInputRowAndTheServingVersion() {
    EncodeResult r = f.client.encode(ModelSelector.model("sensor-ae"), rows);
    assertThat(r.latents()).hasNumberOfRows(5);
    assertThat(r.latents()[0]).hasSize(3);
    assertThat(r.servedBy().version()).isEqualTo(1);
    assertThat(r.servedBy().route()).isEqualTo("latest");
    assertThat(r.servedBy().family()).isEqualTo("ae");
    assertThat(r.servedBy().engine()).isEqualTo("MXNet");
    assertThat(r.latentFingerprint()).startsWith("lf1:");
  }

  @Test
  void versionAndAliasSelectorsAreHonouredAndReported() {
    f.client.setAlias("sensor-ae", "production", 1);
    EncodeResult byAlias = f.client.encode(ModelSelector.alias("sensor-ae", "production"), rows);
    assertThat(byAlias.servedBy().route()).isEqualTo("alias");
    assertThat(byAlias.servedBy().alias()).isEqualTo("production");
    EncodeResult byVersion = f.client.encode(ModelSelector.version("sensor-ae", 1), rows);
    assertThat(byVersion.servedBy().route()).isEqualTo("version");
    assertThat(byVersion.latents()).isDeepEqualTo(byAlias.latents());
  }

  @Test
  void decodeOfEncodeEqualsReconstruct() {
    EncodeResult z = f.client.encode(ModelSelector.model("sensor-ae"), rows);
    DecodeResult x = f.client.decode(ModelSelector.model("sensor-ae"), z.latents(), z.latentFingerprint());
    ReconstructResult r = f.client.reconstruct(ModelSelector.model("sensor-ae"), rows);
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < WIDTH; j++) {
        assertThat(x.outputs()[i][j]).isCloseTo(r.outputs()[i][j], within(1e-5f));
      }
    }
  }

  @Test
  void reconstructScoresAreTheMeanSquaredErrorOfEachRow() {
    ReconstructResult r = f.client.reconstruct(ModelSelector.model("sensor-ae"), rows);
    assertThat(r.scores()).hasSize(rows.length);
    for (int i = 0; i < rows.length; i++) {
      double sum = 0;
      for (int j = 0; j < WIDTH; j++) {
        double d = rows[i][j] - r.outputs()[i][j];
        sum += d * d;
      }
      assertThat((double) r.scores()[i]).isCloseTo(sum / WIDTH, within(1e-5));
    }
    assertThat(r.calibrated()).isFalse();
    assertThat(r.anomalous()).isEmpty();
  }

  @Test
  void aCalibratedVersionFlagsRowsAboveItsThreshold() {
    float[] scores = f.client.reconstruct(ModelSelector.model("sensor-ae"), rows).scores();
    double threshold = (min(scores) + max(scores)) / 2;
    String calibration = "{\"threshold\":" + threshold
        + ",\"scoreKind\":\"mse\",\"method\":\"percentile\",\"parameter\":99,\"sampleCount\":80}";
    int v = f.register("calibrated-ae", trained, calibration);
    ReconstructResult r = f.client.reconstruct(ModelSelector.version("calibrated-ae", v), rows);
    assertThat(r.threshold()).contains(threshold);
    for (int i = 0; i < rows.length; i++) {
      assertThat(r.anomalous()[i]).isEqualTo(r.scores()[i] > threshold);
    }
    assertThat(r.anomalous()).contains(true, false);
  }

  @Test
  void reconstructCanScoreWithBceAndReturnFeatureErrorsInRawEncoding() {
    var stub = AutoencoderGrpc.newBlockingStub(f.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    ReconstructResponse r = stub.reconstruct(ReconstructRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName("sensor-ae"))
        .setInputs(MatrixCodec.encode(Matrix.of(rows), MatrixEncoding.MATRIX_ENCODING_VALUES))
        .setScoreKind(ScoreKind.SCORE_KIND_BCE)
        .setIncludeFeatureErrors(true)
        .setResponseEncoding(MatrixEncoding.MATRIX_ENCODING_RAW_LE)
        .build());
    assertThat(r.getScoreKind()).isEqualTo(ScoreKind.SCORE_KIND_BCE);
    assertThat(r.getFeatureErrors().getRawLe().size()).isEqualTo(rows.length * WIDTH * 4);
    assertThat(r.getOutputs().getValuesCount()).isZero();
    assertThat(r.getScoresList()).allSatisfy(s -> assertThat(s).isPositive());
  }

  @Test
  void reconstructStreamAnswersEachMessageInOrder() throws Exception {
    var stub = AutoencoderGrpc.newStub(f.channel);
    List<ReconstructResponse> got = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ReconstructRequest> in = stub.reconstructStream(new StreamObserver<>() {
      @Override
      public void onNext(ReconstructResponse v) {
        got.add(v);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    });
    for (int n = 1; n <= 3; n++) {
      in.onNext(ReconstructRequest.newBuilder()
          .setModel(ModelRef.newBuilder().setName("sensor-ae"))
          .setInputs(MatrixCodec.encode(Matrix.of(rows).slice(0, n), MatrixEncoding.MATRIX_ENCODING_VALUES))
          .setOmitOutputs(true)
          .build());
    }
    in.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    assertThat(got).extracting(ReconstructResponse::getScoresCount).containsExactly(1, 2, 3);
  }

  @Test
  void healthIsServingAndReflectionListsTheServices() throws Exception {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(f.channel).check(HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    CompletableFuture<ServerReflectionResponse> reply = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(f.channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse v) {
            reply.complete(v);
          }

          @Override
          public void onError(Throwable t) {
            reply.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    req.onCompleted();
    assertThat(reply.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
        .extracting(s -> s.getName())
        .contains("aeserve.v1.Autoencoder", "aeserve.v1.ModelRegistry", "grpc.health.v1.Health");
  }

  private static double min(float[] a) {
    double m = Double.MAX_VALUE;
    for (float v : a) {
      m = Math.min(m, v);
    }
    return m;
  }

  private static double max(float[] a) {
    double m = -Double.MAX_VALUE;
    for (float v : a) {
      m = Math.max(m, v);
    }
    return m;
  }
}
