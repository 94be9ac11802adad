package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.TrainingProgress;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.Condition;
import dev.aeserve.proto.v1.DecodeRequest;
import dev.aeserve.proto.v1.DenoiseRequest;
import dev.aeserve.proto.v1.DenoiseResponse;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.Interaction;
import dev.aeserve.proto.v1.Interpolation;
import dev.aeserve.proto.v1.InterpolationMethod;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.RecommendResponse;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.SampleResponse;
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.proto.v1.ScoredItem;
import dev.aeserve.proto.v1.UserHistory;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every family through the server: Sample, Denoise and Recommend, conditions, and their bad input. */
class FamiliesTest {

  private static final int WIDTH = 16;
  private static final TrainingConfig CONFIG = new TrainingConfig(12, 32, 5e-3f, 0.2, 11, EngineKind.MXNET);
  private static final Matrix DATA = SyntheticData.manifold(600, WIDTH, 3, 0.02, 7);
  private static ServerFixture f;
  private static AutoencoderGrpc.AutoencoderBlockingStub stub;
  private static List<String> items;

  @BeforeAll
  static void start() {
    // A small lane queue for Sample so a burst of samples exercises the queue, not just the engine.
    f = ServerFixture.start();
    stub = AutoencoderGrpc.newBlockingStub(f.channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    register("vae-m", train(AutoencoderSpec.vae(WIDTH, List.of(24), 3, "sigmoid", "bce", 0.5), DATA), "vae");
    Matrix labelled = SyntheticData.manifold(600, WIDTH, 2, 0.02, 9);
    int[] labels = new int[600];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 3;
    }
    TrainedModel cvae = new AutoencoderTrainer(CONFIG).train(
        AutoencoderSpec.cvae(WIDTH, List.of(24), 2, "sigmoid", "bce", 0.5, List.of("a", "b", "c")), labelled,
        Conditions.perRow(labels), TrainingProgress.NONE);
    register("cvae-m", cvae, "cvae");
    register("dae-m", train(AutoencoderSpec.dae(WIDTH, List.of(12), 3, "sigmoid", "mse",
        new Corruption(0.15, 0.1, 0, 0.0, 1.0)), DATA), "dae");
    Ratings ratings = SyntheticRatings.generate(300, 60, 4, 8, 20, 3.0, 1.0, 21);
    items = ratings.itemsByPopularity(1);
    Matrix r = ratings.matrix(new ItemVocabulary(items));
    register("autorec-m", new AutoencoderTrainer(CONFIG.withEpochs(20)).train(AutoencoderSpec.autorec(items, List.of(), 12), r),
        "autorec");
    register("multvae-m", new AutoencoderTrainer(CONFIG.withEpochs(20)).train(
        AutoencoderSpec.multvae(items, List.of(24), 8, 0.2, 100, 0.5), ratings.binarized(3.5f).matrix(new ItemVocabulary(items))),
        "multvae");
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static TrainedModel train(AutoencoderSpec spec, Matrix data) {
    return new AutoencoderTrainer(CONFIG).train(spec, data);
  }

  private static void register(String name, TrainedModel m, String family) {
    f.client.createModel(name, family, "test");
    f.client.uploadVersion(name, m.spec().toJson(), m.metrics().toJson(),
        m.calibration() == null ? null : m.calibration().toJson(), m.weights());
  }

  private static ModelRef ref(String name) {
    return ModelRef.newBuilder().setName(name).build();
  }

  private static dev.aeserve.proto.v1.Matrix matrix(Matrix m) {
    return MatrixCodec.encode(m, MatrixEncoding.MATRIX_ENCODING_VALUES);
  }

  private static void assertStatus(ThrowingCallable call, Status.Code code, String part) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(part);
    });
  }

  @Test
  void vaeEncodeGivesMeanLogVarianceAndASeededSample() {
    EncodeRequest req = EncodeRequest.newBuilder().setModel(ref("vae-m")).setInputs(matrix(DATA.slice(0, 4)))
        .setSample(true).setSeed(7).build();
    EncodeResponse a = stub.encode(req);
    EncodeResponse b = stub.encode(req);
    assertThat(a.getLogVariances().getRows()).isEqualTo(4);
    assertThat(a.getSamples().getValuesList()).isEqualTo(b.getSamples().getValuesList());
    assertThat(a.getSamples().getValuesList()).isNotEqualTo(a.getLatents().getValuesList());
    assertThat(a.getSeed()).isEqualTo(7);
    EncodeResponse unseeded = stub.encode(req.toBuilder().clearSeed().build());
    assertThat(unseeded.hasSeed()).isTrue();
  }

  @Test
  void sampleIsReproducibleAloneAndAmongOtherCallers() throws Exception {
    SampleRequest req = SampleRequest.newBuilder().setModel(ref("vae-m")).setCount(5).setSeed(42).build();
    SampleResponse alone = stub.sample(req);
    var async = AutoencoderGrpc.newFutureStub(f.channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    List<ListenableFuture<?>> others = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      others.add(async.sample(req.toBuilder().setSeed(1000 + i).setCount(1 + i).build()));
      others.add(async.encode(EncodeRequest.newBuilder().setModel(ref("vae-m")).setInputs(matrix(DATA.slice(i, i + 3)))
          .build()));
    }
    ListenableFuture<SampleResponse> mixed = async.sample(req);
    for (ListenableFuture<?> o : others) {
      o.get(120, TimeUnit.SECONDS);
    }
    assertThat(mixed.get(120, TimeUnit.SECONDS).getSamples()).isEqualTo(alone.getSamples());
    assertThat(alone.getSeed()).isEqualTo(42);
    assertThat(alone.getSamples().getValuesList()).allSatisfy(v -> assertThat(v).isBetween(0f, 1f));
    assertThat(stub.sample(req.toBuilder().setSeed(43).build()).getSamples()).isNotEqualTo(alone.getSamples());
  }

  @Test
  void interpolationRunsFromOneLatentToTheOther() {
    Matrix ends = new Matrix(2, 3, new float[] {-1, 0, 1, 1, 0.5f, -1});
    SampleResponse r = stub.sample(SampleRequest.newBuilder().setModel(ref("vae-m")).setInterpolation(
        Interpolation.newBuilder().setLatents(matrix(ends)).setSteps(5).setMethod(InterpolationMethod.INTERPOLATION_METHOD_LINEAR))
        .build());
    assertThat(r.getLatents().getRows()).isEqualTo(5);
    assertThat(r.getSamples().getRows()).isEqualTo(5);
    assertThat(r.getLatents().getValuesList().subList(0, 3)).containsExactly(-1f, 0f, 1f);
    assertThat(r.getLatents().getValuesList().subList(12, 15)).containsExactly(1f, 0.5f, -1f);
  }

  @Test
  void vaeScoresWithNegativeElbo() {
    var r = stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("vae-m")).setInputs(matrix(DATA.slice(0, 3)))
        .setScoreKind(ScoreKind.SCORE_KIND_NEGATIVE_ELBO).build());
    assertThat(r.getScoreKind()).isEqualTo(ScoreKind.SCORE_KIND_NEGATIVE_ELBO);
    assertThat(r.getScoresList()).hasSize(3).allSatisfy(s -> assertThat(s).isPositive());
    assertStatus(() -> stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("dae-m"))
        .setInputs(matrix(DATA.slice(0, 3))).setScoreKind(ScoreKind.SCORE_KIND_NEGATIVE_ELBO).build()),
        Status.Code.FAILED_PRECONDITION, "variational");
  }

  @Test
  void trainingCalibratedTheVersionSoReconstructFlagsRows() {
    var r = stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("dae-m")).setInputs(matrix(DATA.slice(0, 50)))
        .build());
    assertThat(r.getAnomalousList()).hasSize(50);
    assertThat(r.getCalibration().getDescription()).contains("99th percentile");
    Matrix noise = SyntheticData.manifold(5, WIDTH, 3, 0.02, 999);
    float[] wild = noise.data().clone();
    for (int i = 0; i < wild.length; i++) {
      wild[i] = (i % 2 == 0) ? 1f : 0f;
    }
    var anomalies = stub.reconstruct(ReconstructRequest.newBuilder().setModel(ref("dae-m"))
        .setInputs(matrix(new Matrix(5, WIDTH, wild))).build());
    assertThat(anomalies.getAnomalousList()).containsOnly(true);
  }

  @Test
  void cvaeDecodesAndSamplesUnderAConditionAndRefusesUnknownLabels() {
    Matrix z = new Matrix(2, 2, new float[] {0, 0, 0.5f, -0.5f});
    var a = stub.decode(DecodeRequest.newBuilder().setModel(ref("cvae-m")).setLatents(matrix(z))
        .setCondition(Condition.newBuilder().addLabels("a")).build());
    var c = stub.decode(DecodeRequest.newBuilder().setModel(ref("cvae-m")).setLatents(matrix(z))
        .setCondition(Condition.newBuilder().addLabels("c")).build());
    assertThat(a.getOutputs().getValuesList()).isNotEqualTo(c.getOutputs().getValuesList());
    var perRow = stub.decode(DecodeRequest.newBuilder().setModel(ref("cvae-m")).setLatents(matrix(z))
        .setCondition(Condition.newBuilder().addLabels("a").addLabels("c")).build());
    assertThat(perRow.getOutputs().getValuesList().subList(0, WIDTH)).isEqualTo(a.getOutputs().getValuesList().subList(0, WIDTH));
    assertThat(stub.sample(SampleRequest.newBuilder().setModel(ref("cvae-m")).setCount(3).setSeed(1)
        .setCondition(Condition.newBuilder().addLabels("b")).build()).getSamples().getRows()).isEqualTo(3);
    assertStatus(() -> stub.decode(DecodeRequest.newBuilder().setModel(ref("cvae-m")).setLatents(matrix(z))
        .setCondition(Condition.newBuilder().addLabels("zebra")).build()), Status.Code.INVALID_ARGUMENT, "zebra");
    assertStatus(() -> stub.decode(DecodeRequest.newBuilder().setModel(ref("cvae-m")).setLatents(matrix(z)).build()),
        Status.Code.INVALID_ARGUMENT, "condition");
    assertStatus(() -> stub.decode(DecodeRequest.newBuilder().setModel(ref("cvae-m")).setLatents(matrix(z))
        .setCondition(Condition.newBuilder().addLabels("a").addLabels("b").addLabels("c")).build()),
        Status.Code.INVALID_ARGUMENT, "3 conditions for 2 rows");
  }

  @Test
  void denoiseCorruptsOnTheServerReproduciblyAndCleansUp() {
    Matrix clean = DATA.slice(100, 140);
    DenoiseRequest req = DenoiseRequest.newBuilder().setModel(ref("dae-m")).setInputs(matrix(clean))
        .setCorruption(dev.aeserve.proto.v1.Corruption.newBuilder().setGaussianSigma(0.15f).setMaskProbability(0.1f)
            .setSeed(5).setClipMin(0).setClipMax(1))
        .setReturnCorrupted(true).build();
    DenoiseResponse a = stub.denoise(req);
    DenoiseResponse b = stub.denoise(req);
    assertThat(a.getCorrupted()).isEqualTo(b.getCorrupted());
    assertThat(a.getCorruptionSeed()).isEqualTo(5);
    double noisyError = 0;
    double cleanedError = 0;
    for (int i = 0; i < clean.data().length; i++) {
      double n = a.getCorrupted().getValues(i) - clean.data()[i];
      double d = a.getOutputs().getValues(i) - clean.data()[i];
      noisyError += n * n;
      cleanedError += d * d;
    }
    assertThat(cleanedError).isLessThan(noisyError);
    assertThat(a.getCleanErrorsList()).hasSize(40);
    assertStatus(() -> stub.denoise(req.toBuilder().setCorruption(req.getCorruption().toBuilder().setMaskProbability(1.5f))
        .build()), Status.Code.INVALID_ARGUMENT, "maskProbability");
  }

  private static UserHistory history(String user, String... itemIds) {
    UserHistory.Builder h = UserHistory.newBuilder().setUserId(user);
    for (String i : itemIds) {
      h.addInteractions(Interaction.newBuilder().setItemId(i).setValue(4));
    }
    return h.build();
  }

  @Test
  void recommendRanksUnseenItemsForEachUserAndReportsUnknownIds() {
    for (String model : List.of("autorec-m", "multvae-m")) {
      RecommendResponse r = stub.recommend(RecommendRequest.newBuilder().setModel(ref(model)).setK(5)
          .addUsers(history("u1", items.get(0), items.get(1), "no-such-item"))
          .addUsers(history("u2", items.get(2)))
          .build());
      assertThat(r.getUsersList()).extracting(u -> u.getUserId()).containsExactly("u1", "u2");
      var u1 = r.getUsers(0);
      assertThat(u1.getItemsList()).hasSize(5);
      assertThat(u1.getItemsList()).extracting(ScoredItem::getItemId).doesNotContain(items.get(0), items.get(1));
      assertThat(u1.getUnknownItemsList()).containsExactly("no-such-item");
      List<Float> scores = u1.getItemsList().stream().map(ScoredItem::getScore).collect(Collectors.toList());
      assertThat(scores).isSortedAccordingTo((x, y) -> Float.compare(y, x));

      Set<String> candidates = Set.of(items.get(5), items.get(6), items.get(7));
      RecommendResponse c = stub.recommend(RecommendRequest.newBuilder().setModel(ref(model)).setK(10)
          .addUsers(history("u3", items.get(0))).addAllCandidateItems(candidates).addExcludedItems(items.get(6)).build());
      assertThat(c.getUsers(0).getItemsList()).extracting(ScoredItem::getItemId)
          .containsExactlyInAnyOrder(items.get(5), items.get(7));
    }
  }

  @Test
  void recommendWithAHundredThousandUnknownCandidatesIsLinearNotQuadratic() {
    // Once quadratic in the unknown ids (41 s on autorec, 105 s on multvae); now linear.
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      unknown.add("unknown-candidate-" + i);
    }
    for (String model : List.of("autorec-m", "multvae-m")) {
      RecommendRequest req = RecommendRequest.newBuilder().setModel(ref(model)).setK(5)
          .addUsers(history("u", items.get(0), items.get(1))).addAllCandidateItems(unknown)
          .addCandidateItems(items.get(3)).build();
      long start = System.nanoTime();
      RecommendResponse r = stub.recommend(req);
      long nanos = System.nanoTime() - start;
      // The call's whole time, transport included, bounds the server's share of it. A regression
      // guard, not a latency verdict: the quadratic version took 41 s and 105 s, this one well under
      // a second on an idle machine; 10 s leaves a busy one ten times the room and still catches it.
      assertThat(nanos).as(model + " call nanoseconds").isLessThan(10_000_000_000L);
      assertThat(r.getUsers(0).getItemsList()).extracting(ScoredItem::getItemId).containsExactly(items.get(3));
      assertThat(r.getUsers(0).getUnknownItemCount()).isEqualTo(100_000);
      assertThat(r.getUsers(0).getUnknownItemsCount()).isEqualTo(100);
    }
  }

  @Test
  void recommendBadInput() {
    RecommendRequest ok = RecommendRequest.newBuilder().setModel(ref("autorec-m")).setK(3)
        .addUsers(history("u", items.get(0))).build();
    assertStatus(() -> stub.recommend(ok.toBuilder().setK(0).build()), Status.Code.INVALID_ARGUMENT, "k");
    assertStatus(() -> stub.recommend(ok.toBuilder().clearUsers().build()), Status.Code.INVALID_ARGUMENT, "users");
    assertStatus(() -> stub.recommend(ok.toBuilder().clearUsers().addUsers(history("empty")).build()),
        Status.Code.INVALID_ARGUMENT, "empty history");
    assertStatus(() -> stub.recommend(ok.toBuilder().clearUsers().addUsers(history("x", "nope-1", "nope-2")).build()),
        Status.Code.NOT_FOUND, "nope-1");
    assertStatus(() -> stub.recommend(ok.toBuilder().setModel(ref("vae-m")).build()), Status.Code.FAILED_PRECONDITION,
        "Recommend is not served by family 'vae'");
  }

  @Test
  void sampleBadInput() {
    SampleRequest ok = SampleRequest.newBuilder().setModel(ref("vae-m")).setCount(2).build();
    assertStatus(() -> stub.sample(ok.toBuilder().setCount(0).build()), Status.Code.INVALID_ARGUMENT, "count");
    assertStatus(() -> stub.sample(ok.toBuilder().setCount(65).build()), Status.Code.INVALID_ARGUMENT, "count");
    assertStatus(() -> stub.sample(ok.toBuilder().setTemperature(Float.NaN).build()), Status.Code.INVALID_ARGUMENT,
        "temperature");
    assertStatus(() -> stub.sample(ok.toBuilder().setTemperature(-1).build()), Status.Code.INVALID_ARGUMENT,
        "temperature");
    assertStatus(() -> stub.sample(ok.toBuilder().setInterpolation(Interpolation.newBuilder()
        .setLatents(matrix(new Matrix(3, 3, new float[9]))).setSteps(4)).build()), Status.Code.INVALID_ARGUMENT,
        "2 rows of 3");
    assertStatus(() -> stub.sample(ok.toBuilder().setInterpolation(Interpolation.newBuilder()
        .setInputs(matrix(new Matrix(2, 5, new float[10]))).setSteps(4)).build()), Status.Code.INVALID_ARGUMENT,
        "2 rows of 16");
    assertStatus(() -> stub.sample(ok.toBuilder().setCondition(Condition.newBuilder().addLabels("a")).build()),
        Status.Code.FAILED_PRECONDITION, "not conditional");
    assertStatus(() -> stub.sample(ok.toBuilder().setModel(ref("dae-m")).build()), Status.Code.FAILED_PRECONDITION,
        "Sample is not served by family 'dae'");
    // Other callers were not disturbed.
    assertThat(stub.sample(ok).getSamples().getRows()).isEqualTo(2);
  }
}
