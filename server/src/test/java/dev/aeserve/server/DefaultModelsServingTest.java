package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.Interaction;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.RecommendResponse;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.proto.v1.UserHistory;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ease family and the training-chosen anomaly score through a real server: upload, load,
 * Recommend, Encode and Reconstruct over gRPC, and the new score kind on the wire.
 */
class DefaultModelsServingTest {
  private static final int WIDTH = 16;
  private static final TrainingConfig CONFIG = new TrainingConfig(12, 32, 5e-3f, 0.2, 11, EngineKind.MXNET);
  private static ServerFixture f;
  private static AutoencoderGrpc.AutoencoderBlockingStub stub;
  private static List<String> items;
  private static TrainedModel ae;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
    stub = AutoencoderGrpc.newBlockingStub(f.channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    Ratings ratings = SyntheticRatings.generate(300, 60, 4, 8, 20, 3.0, 1.0, 21).binarized(3.5f);
    items = ratings.itemsByPopularity(1);
    register("ease-m", new AutoencoderTrainer(CONFIG).train(AutoencoderSpec.ease(items, null),
        ratings.matrix(new ItemVocabulary(items))), "ease");
    ae = new AutoencoderTrainer(CONFIG).train(AutoencoderSpec.dense(WIDTH, List.of(12), 3, "sigmoid", "mse"),
        SyntheticData.manifold(600, WIDTH, 3, 0.02, 7));
    register("scored-ae", ae, "ae");
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static void register(String name, TrainedModel m, String family) {
    f.client.createModel(name, family, "test");
    f.client.uploadVersion(name, m.spec().toJson(), m.metrics().toJson(),
        m.calibration() == null ? null : m.calibration().toJson(), m.weights());
  }

  private static ModelRef ref(String name) {
    return ModelRef.newBuilder().setName(name).build();
  }

  @Test
  void easeServesRecommendEncodeAndReconstruct() {
    UserHistory.Builder user = UserHistory.newBuilder().setUserId("u");
    for (String id : items.subList(0, 4)) {
      user.addInteractions(Interaction.newBuilder().setItemId(id).setValue(1));
    }
    user.addInteractions(Interaction.newBuilder().setItemId("never-seen").setValue(1));
    RecommendResponse r = stub.recommend(RecommendRequest.newBuilder().setModel(ref("ease-m")).setK(5)
        .setExcludeSeen(true).addUsers(user).build());
    assertThat(r.getServedBy().getFamily()).isEqualTo("ease");
    assertThat(r.getUsers(0).getItemsList()).hasSize(5)
        .allSatisfy(i -> assertThat(items.subList(0, 4)).doesNotContain(i.getItemId()));
    assertThat(r.getUsers(0).getUnknownItemsList()).containsExactly("never-seen");

    float[] row = new float[items.size()];
    row[0] = 1;
    row[3] = 1;
    Matrix x = new Matrix(1, row.length, row);
    EncodeResponse e = stub.encode(EncodeRequest.newBuilder().setModel(ref("ease-m"))
        .setInputs(MatrixCodec.encode(x, MatrixEncoding.MATRIX_ENCODING_VALUES)).build());
    // A user's code is their item vector.
    assertThat(e.getLatents().getValuesList()).containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, row.length).mapToObj(i -> row[i]).toList());
    ReconstructResponse rec = stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("ease-m"))
        .setInputs(MatrixCodec.encode(x, MatrixEncoding.MATRIX_ENCODING_VALUES)).build());
    assertThat(rec.getOutputs().getValuesCount()).isEqualTo(items.size());
    assertThatThrownBy(() -> stub.decode(DecodeRequest.newBuilder().setModel(ref("ease-m"))
        .setLatents(MatrixCodec.encode(x, MatrixEncoding.MATRIX_ENCODING_VALUES)).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(t -> assertThat(((StatusRuntimeException) t).getStatus().getCode())
            .isEqualTo(Status.Code.FAILED_PRECONDITION))
        .hasMessageContaining("ease");
  }

  @Test
  void reconstructDefaultsToTheTrainingChosenScoreAndFlagsAgainstItsCalibration() {
    Matrix rows = SyntheticData.manifold(20, WIDTH, 3, 0.02, 99);
    ReconstructResponse byDefault = stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("scored-ae"))
        .setInputs(MatrixCodec.encode(rows, MatrixEncoding.MATRIX_ENCODING_VALUES)).build());
    String chosen = ae.spec().defaultScoreKind().id();
    assertThat(byDefault.getScoreKind().name()).isEqualTo("SCORE_KIND_" + chosen.toUpperCase(java.util.Locale.ROOT));
    // The stored calibration is on the default score, so the default call gets verdicts.
    assertThat(byDefault.getCalibration().getScoreKind()).isEqualTo(byDefault.getScoreKind());
    assertThat(byDefault.getAnomalousCount()).isEqualTo(20);

    ReconstructResponse combined = stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("scored-ae"))
        .setInputs(MatrixCodec.encode(rows, MatrixEncoding.MATRIX_ENCODING_VALUES))
        .setScoreKind(ScoreKind.SCORE_KIND_MSE_MAHALANOBIS).build());
    assertThat(combined.getScoreKind()).isEqualTo(ScoreKind.SCORE_KIND_MSE_MAHALANOBIS);
    assertThat(combined.getScoresCount()).isEqualTo(20);
    assertThat(combined.getScoresList()).allSatisfy(s -> assertThat(s).isFinite());

    // A version trained before the latent density existed refuses the combined score by name.
    f.client.createModel("old-ae", "ae", "test");
    AutoencoderSpec old = AutoencoderSpec.dense(WIDTH, List.of(12), 3, "sigmoid", "mse");
    f.client.uploadVersion("old-ae", old.toJson(), ae.metrics().withGoldenBatch(null).toJson(), null, ae.weights());
    assertThatThrownBy(() -> stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("old-ae"))
        .setInputs(MatrixCodec.encode(rows, MatrixEncoding.MATRIX_ENCODING_VALUES))
        .setScoreKind(ScoreKind.SCORE_KIND_MSE_MAHALANOBIS).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(t -> assertThat(((StatusRuntimeException) t).getStatus().getCode())
            .isEqualTo(Status.Code.FAILED_PRECONDITION))
        .hasMessageContaining("latent density");
  }
}
