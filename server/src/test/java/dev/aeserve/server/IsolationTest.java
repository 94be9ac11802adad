package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Message;
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
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.Interaction;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.proto.v1.UserHistory;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One caller can never hurt another. For every RPC of every family, at least 16 concurrent
 * callers send a mix of valid requests, invalid ones (wrong width, NaN, bad labels, bad options,
 * unknown refs), cancelled ones and ones whose deadline expires in the queue, all at once and
 * through the same lanes. Every valid answer must equal the answer the same request gets alone,
 * every invalid request its documented code, and no call INTERNAL or UNKNOWN (checked on the
 * client and in the server's own outcome counters, which see the cancelled calls too).
 */
class IsolationTest {

  private static final int WIDTH = 16;
  private static final int CALLERS = 16;
  private static final int CALLS_PER_CALLER = 6;
  private static final TrainingConfig CONFIG = new TrainingConfig(6, 32, 5e-3f, 0.2, 11, EngineKind.MXNET);
  private static final Matrix DATA = SyntheticData.manifold(400, WIDTH, 3, 0.02, 7);
  private static final List<String> LABELS = List.of("a", "b", "c");

  private static ServerFixture f;
  private static AutoencoderGrpc.AutoencoderBlockingStub stub;
  private static List<String> items;

  @BeforeAll
  static void start() {
    // A queue delay long enough that short deadlines expire while requests wait for their batch,
    // and that concurrent callers really share batches. Refusal by predicted wait is off (a bound of
    // ten minutes): this test is about answers under concurrency, and 16 callers on each of ~15
    // lanes on a busy machine are an overload that the default 20 ms bound rightly sheds
    // (QueueWaitAdmissionTest tests the shedding).
    BatchPolicy policy = new BatchPolicy(64, Duration.ofMillis(15), 8192, List.of(), Duration.ofMinutes(10));
    f = ServerFixture.start(ServerConfig.defaults().withPort(0).withMaxRowsPerRequest(64).withPreload(false)
        .withBatching(BatchingConfig.of(policy)));
    stub = AutoencoderGrpc.newBlockingStub(f.channel);
    register("iso-ae", "ae", train(AutoencoderSpec.dense(WIDTH, List.of(12), 3, "sigmoid", "mse")));
    register("iso-dae", "dae", train(AutoencoderSpec.dae(WIDTH, List.of(12), 3, "sigmoid", "mse",
        new Corruption(0.15, 0.1, 0, 0.0, 1.0))));
    register("iso-vae", "vae", train(AutoencoderSpec.vae(WIDTH, List.of(24), 3, "sigmoid", "bce", 0.5)));
    int[] labels = new int[DATA.rows()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 3;
    }
    register("iso-cvae", "cvae", new AutoencoderTrainer(CONFIG).train(
        AutoencoderSpec.cvae(WIDTH, List.of(24), 2, "sigmoid", "bce", 0.5, LABELS), DATA,
        Conditions.perRow(labels), TrainingProgress.NONE));
    Ratings ratings = SyntheticRatings.generate(200, 40, 4, 8, 20, 3.0, 1.0, 21);
    items = ratings.itemsByPopularity(1);
    Matrix r = ratings.matrix(new ItemVocabulary(items));
    register("iso-autorec", "autorec", new AutoencoderTrainer(CONFIG).train(AutoencoderSpec.autorec(items, List.of(), 12), r));
    register("iso-multvae", "multvae", new AutoencoderTrainer(CONFIG).train(
        AutoencoderSpec.multvae(items, List.of(24), 8, 0.2, 100, 0.5), ratings.binarized(3.5f).matrix(new ItemVocabulary(items))));
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static TrainedModel train(AutoencoderSpec spec) {
    return new AutoencoderTrainer(CONFIG).train(spec, DATA);
  }

  private static void register(String name, String family, TrainedModel m) {
    f.client.createModel(name, family, "isolation test");
    f.client.uploadVersion(name, m.spec().toJson(), m.metrics().toJson(),
        m.calibration() == null ? null : m.calibration().toJson(), m.weights());
  }

  /** One request: how to send it, and what it must get (null: a valid request, compared to its lone answer). */
  private record Case(String what, Function<AutoencoderGrpc.AutoencoderBlockingStub, Message> send, Status.Code expected) {}

  /** Builds the i-th request of one (model, RPC) pair; {@code kind} picks valid or which fault. */
  private interface Generator {
    Case make(Random rnd, int kind);
  }

  private record Pair(String model, String rpc, Generator generator, int kinds) {}

  @Test
  void everyCallerGetsTheAnswerItGetsAlone() throws Exception {
    List<Pair> pairs = pairs();
    // Plan every caller's calls first, so each valid one can be answered alone before the storm.
    Random plan = new Random(20261130);
    List<List<Case>> callers = new ArrayList<>();
    for (Pair p : pairs) {
      for (int c = 0; c < CALLERS; c++) {
        List<Case> calls = new ArrayList<>();
        for (int i = 0; i < CALLS_PER_CALLER; i++) {
          // Half the calls are valid; the rest cycle through the pair's faults.
          int kind = plan.nextBoolean() ? 0 : 1 + plan.nextInt(p.kinds());
          calls.add(p.generator().make(new Random(plan.nextLong()), kind));
        }
        callers.add(calls);
      }
    }
    Map<Case, Message> alone = new ConcurrentHashMap<>();
    for (List<Case> calls : callers) {
      for (Case c : calls) {
        if (c.expected() == null && !c.what().startsWith("cancelled") && !c.what().startsWith("deadline")) {
          alone.put(c, c.send().apply(stub.withDeadlineAfter(60, TimeUnit.SECONDS)));
        }
      }
    }

    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    Map<String, Integer> outcomes = new ConcurrentHashMap<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(callers.size());
    try {
      List<Future<?>> done = new ArrayList<>();
      for (List<Case> calls : callers) {
        done.add(pool.submit(() -> {
          go.await();
          for (Case c : calls) {
            check(c, alone.get(c), failures, outcomes);
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> d : done) {
        d.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("isolation: %d callers over %d (model, RPC) pairs; outcomes %s%n", callers.size(), pairs.size(),
        new java.util.TreeMap<>(outcomes));
    assertThat(failures).as("calls that did not get their own answer (of %s)", outcomes).isEmpty();
    // Every kind of call really happened under concurrency.
    assertThat(outcomes).containsKeys("valid OK", "INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION");
    assertThat(outcomes.keySet()).anyMatch(k -> k.startsWith("cancelled"));
    assertThat(outcomes.getOrDefault("deadline DEADLINE_EXCEEDED", 0)).as("deadlines that expired").isPositive();
    // The server's own counters saw every call, the cancelled ones too: none was INTERNAL or UNKNOWN.
    String scrape = f.server.metrics().scrape();
    assertThat(scrape).doesNotContain("code=\"INTERNAL\"").doesNotContain("code=\"UNKNOWN\"");
  }

  private static void check(Case c, Message expected, List<String> failures, Map<String, Integer> outcomes) {
    if (c.what().startsWith("cancelled")) {
      // Sent and then abandoned at once: it must finish as CANCELLED or as its own valid answer.
      ListenableFuture<?> call = sendAsync(c);
      call.cancel(true);
      outcomes.merge("cancelled", 1, Integer::sum);
      return;
    }
    try {
      long deadlineMs = c.what().startsWith("deadline") ? 3 : 60_000;
      Message got = c.send().apply(stub.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS));
      if (c.what().startsWith("deadline")) {
        outcomes.merge("deadline OK", 1, Integer::sum);
        return;
      }
      if (c.expected() != null) {
        failures.add(c.what() + ": expected " + c.expected() + ", got OK");
        return;
      }
      outcomes.merge("valid OK", 1, Integer::sum);
      String diff = Answers.difference(expected, got);
      if (diff != null) {
        failures.add(c.what() + ": answer differs from its lone answer: " + diff);
      }
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (c.what().startsWith("deadline")) {
        outcomes.merge("deadline " + code, 1, Integer::sum);
        // Expired in the queue, or refused at once because the work ahead would outlast it.
        if (code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.RESOURCE_EXHAUSTED) {
          failures.add(c.what() + ": expected OK, DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED, got " + e.getStatus());
        }
        return;
      }
      outcomes.merge(c.expected() == null ? "valid " + code : code.name(), 1, Integer::sum);
      if (code != c.expected()) {
        failures.add(c.what() + ": expected " + (c.expected() == null ? "OK" : c.expected()) + ", got " + e.getStatus());
      }
    }
  }

  private static ListenableFuture<?> sendAsync(Case c) {
    // The same request through the future stub: a cancelled call is one whose caller went away.
    AutoencoderGrpc.AutoencoderFutureStub future = AutoencoderGrpc.newFutureStub(f.channel);
    Message m = CANCELLABLE.get(c);
    if (m instanceof EncodeRequest r) {
      return future.encode(r);
    }
    if (m instanceof DecodeRequest r) {
      return future.decode(r);
    }
    if (m instanceof ReconstructRequest r) {
      return future.reconstruct(r);
    }
    if (m instanceof SampleRequest r) {
      return future.sample(r);
    }
    if (m instanceof DenoiseRequest r) {
      return future.denoise(r);
    }
    return future.recommend((RecommendRequest) m);
  }

  /** The request of each cancelled case, sent through the future stub. */
  private static final Map<Case, Message> CANCELLABLE = new ConcurrentHashMap<>();

  // ---- the pairs: every RPC each family serves, with its faults ----

  private static List<Pair> pairs() {
    List<Pair> pairs = new ArrayList<>();
    for (String model : List.of("iso-ae", "iso-dae", "iso-vae", "iso-cvae")) {
      boolean conditional = model.equals("iso-cvae");
      boolean variational = model.equals("iso-vae") || conditional;
      pairs.add(new Pair(model, "Encode", (rnd, kind) -> rows(model, "Encode", rnd, kind, WIDTH, conditional,
          (m, b) -> EncodeRequest.newBuilder().setModel(m).setInputs(b.matrix).setCondition(b.condition)
              .setSample(b.badOption || (variational && b.rnd.nextBoolean())).setSeed(b.rnd.nextLong()).build(),
          (s, r) -> s.encode((EncodeRequest) r), variational ? null : "sample"), 6));
      pairs.add(new Pair(model, "Decode", (rnd, kind) -> rows(model, "Decode", rnd, kind, 3 - (conditional ? 1 : 0),
          conditional, (m, b) -> DecodeRequest.newBuilder().setModel(m).setLatents(b.matrix).setCondition(b.condition)
              .build(), (s, r) -> s.decode((DecodeRequest) r), null), 6));
      pairs.add(new Pair(model, "Reconstruct", (rnd, kind) -> rows(model, "Reconstruct", rnd, kind, WIDTH, conditional,
          (m, b) -> ReconstructRequest.newBuilder().setModel(m).setInputs(b.matrix).setCondition(b.condition)
              .setIncludeFeatureErrors(true)
              .setScoreKind(b.badOption ? ScoreKind.SCORE_KIND_NEGATIVE_ELBO : ScoreKind.SCORE_KIND_UNSPECIFIED).build(),
          (s, r) -> s.reconstruct((ReconstructRequest) r), variational ? null : "neg_elbo"), 6));
    }
    pairs.add(new Pair("iso-ae", "ReconstructStream", IsolationTest::stream, 3));
    // Denoise has no condition field: its label fault is a NaN instead.
    pairs.add(new Pair("iso-dae", "Denoise", (rnd, kind) -> rows("iso-dae", "Denoise", rnd, kind == 3 ? 2 : kind, WIDTH, false,
        (m, b) -> {
          DenoiseRequest.Builder d = DenoiseRequest.newBuilder().setModel(m).setInputs(b.matrix);
          if (b.badOption || b.rnd.nextBoolean()) {
            d.setCorruption(dev.aeserve.proto.v1.Corruption.newBuilder().setGaussianSigma(0.1f)
                .setMaskProbability(b.badOption ? 2f : 0.1f).setSeed(b.rnd.nextLong()));
          }
          return d.build();
        }, (s, r) -> s.denoise((DenoiseRequest) r), "mask"), 6));
    for (String model : List.of("iso-vae", "iso-cvae")) {
      pairs.add(new Pair(model, "Sample", (rnd, kind) -> sample(model, rnd, kind), 5));
    }
    for (String model : List.of("iso-autorec", "iso-multvae")) {
      pairs.add(new Pair(model, "Recommend", (rnd, kind) -> recommend(model, rnd, kind), 5));
      pairs.add(new Pair(model, "Encode", (rnd, kind) -> rows(model, "Encode", rnd, kind, items.size(), false,
          (m, b) -> EncodeRequest.newBuilder().setModel(m).setInputs(b.matrix).setCondition(b.condition).build(),
          (s, r) -> s.encode((EncodeRequest) r), null), 6));
      pairs.add(new Pair(model, "Reconstruct", (rnd, kind) -> rows(model, "Reconstruct", rnd, kind, items.size(), false,
          (m, b) -> ReconstructRequest.newBuilder().setModel(m).setInputs(b.matrix).setCondition(b.condition)
              .setScoreKind(b.badOption ? ScoreKind.SCORE_KIND_BCE : ScoreKind.SCORE_KIND_UNSPECIFIED).build(),
          (s, r) -> s.reconstruct((ReconstructRequest) r), model.equals("iso-autorec") ? "bce" : null), 6));
    }
    return pairs;
  }

  /** What a row-based request is built from. */
  private record Parts(dev.aeserve.proto.v1.Matrix matrix, Condition condition, boolean badOption, Random rnd) {}

  private interface Builder {
    Message build(ModelRef model, Parts parts);
  }


  /**
   * A row-based request. Kinds: 0 valid, 1 wrong width, 2 NaN, 3 bad label (or a label for an
   * unconditional model), 4 unknown ref, 5 cancelled, 6 deadline in the queue, and (when the pair
   * has one) a bad option in place of the deadline on odd draws.
   */
  private static Case rows(String model, String rpc, Random rnd, int kind, int width, boolean conditional,
      Builder builder, BiFunction<AutoencoderGrpc.AutoencoderBlockingStub, Message, Message> send, String badOption) {
    int n = 1 + rnd.nextInt(6);
    int cols = kind == 1 ? width + (rnd.nextBoolean() ? 1 : -1) : width;
    float[] values = new float[n * cols];
    for (int i = 0; i < values.length; i++) {
      values[i] = rnd.nextFloat();
    }
    if (kind == 2) {
      values[rnd.nextInt(values.length)] = rnd.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY;
    }
    Condition.Builder cond = Condition.newBuilder();
    if (conditional) {
      cond.addLabels(kind == 3 ? "no-such-label" : LABELS.get(rnd.nextInt(LABELS.size())));
    } else if (kind == 3) {
      cond.addLabels("a");
    }
    ModelRef ref = ModelRef.newBuilder().setName(model).build();
    if (kind == 4) {
      ref = switch (rnd.nextInt(3)) {
        case 0 -> ModelRef.newBuilder().setName("no-such-model").build();
        case 1 -> ModelRef.newBuilder().setName(model).setVersion(99).build();
        default -> ModelRef.newBuilder().setName(model).setAlias("no-such-alias").build();
      };
    }
    boolean bad = kind == 6 && badOption != null && rnd.nextBoolean();
    Message request = builder.build(ref, new Parts(MatrixCodec.encode(new Matrix(n, cols, values),
        rnd.nextBoolean() ? MatrixEncoding.MATRIX_ENCODING_RAW_LE : MatrixEncoding.MATRIX_ENCODING_VALUES),
        cond.build(), bad, rnd));
    Status.Code expected = switch (kind) {
      case 0, 5 -> null;
      case 1, 2 -> Status.Code.INVALID_ARGUMENT;
      case 3 -> conditional ? Status.Code.INVALID_ARGUMENT : Status.Code.FAILED_PRECONDITION;
      case 4 -> Status.Code.NOT_FOUND;
      default -> bad ? optionCode(badOption) : null;
    };
    String what = (kind == 5 ? "cancelled " : kind == 6 && !bad ? "deadline " : "") + model + " " + rpc + " kind "
        + kind + (bad ? " (" + badOption + ")" : "") + " " + n + "x" + cols;
    Case c = new Case(what, s -> send.apply(s, request), expected);
    if (kind == 5) {
      CANCELLABLE.put(c, request);
    }
    return c;
  }

  private static Status.Code optionCode(String option) {
    return switch (option) {
      // A sample or score the family has no distribution for: what the family cannot serve.
      case "sample", "neg_elbo", "bce" -> Status.Code.FAILED_PRECONDITION;
      default -> Status.Code.INVALID_ARGUMENT;
    };
  }

  /** Sample: 0 valid (seeded, so the bytes must match), 1 bad count, 2 bad temperature, 3 bad label, 4 unknown ref, 5 cancelled. */
  private static Case sample(String model, Random rnd, int kind) {
    boolean conditional = model.equals("iso-cvae");
    SampleRequest.Builder b = SampleRequest.newBuilder().setModel(ModelRef.newBuilder().setName(model))
        .setCount(kind == 1 ? (rnd.nextBoolean() ? 0 : -1) : 1 + rnd.nextInt(8)).setSeed(rnd.nextLong());
    if (kind == 2) {
      b.setTemperature(rnd.nextBoolean() ? -1f : Float.NaN);
    } else if (rnd.nextBoolean()) {
      b.setTemperature(0.5f + rnd.nextFloat());
    }
    if (conditional) {
      b.setCondition(Condition.newBuilder().addLabels(kind == 3 ? "zz" : LABELS.get(rnd.nextInt(3))));
    } else if (kind == 3) {
      b.setCondition(Condition.newBuilder().addLabels("a"));
    }
    if (kind == 4) {
      b.setModel(ModelRef.newBuilder().setName(model).setVersion(-1)); // 4294967295 on the wire
    }
    SampleRequest request = b.build();
    Status.Code expected = switch (kind) {
      case 1, 2 -> Status.Code.INVALID_ARGUMENT;
      case 3 -> conditional ? Status.Code.INVALID_ARGUMENT : Status.Code.FAILED_PRECONDITION;
      case 4 -> Status.Code.INVALID_ARGUMENT;
      default -> null;
    };
    Case c = new Case((kind == 5 ? "cancelled " : "") + model + " Sample kind " + kind, s -> s.sample(request), expected);
    if (kind == 5) {
      CANCELLABLE.put(c, request);
    }
    return c;
  }

  /** Recommend: 0 valid, 1 k = 0, 2 NaN value, 3 empty history, 4 unknown ref, 5 cancelled. */
  private static Case recommend(String model, Random rnd, int kind) {
    RecommendRequest.Builder b = RecommendRequest.newBuilder().setModel(ModelRef.newBuilder().setName(model))
        .setK(kind == 1 ? 0 : 1 + rnd.nextInt(10));
    int users = 1 + rnd.nextInt(3);
    for (int u = 0; u < users; u++) {
      UserHistory.Builder h = UserHistory.newBuilder().setUserId("u" + u);
      if (!(kind == 3 && u == 0)) {
        for (int i = 0; i < 1 + rnd.nextInt(6); i++) {
          h.addInteractions(Interaction.newBuilder().setItemId(items.get(rnd.nextInt(items.size())))
              .setValue(kind == 2 ? Float.NaN : 1 + rnd.nextInt(5)));
        }
        h.addInteractions(Interaction.newBuilder().setItemId("unknown-" + rnd.nextInt(1000)).setValue(1));
      }
      b.addUsers(h);
    }
    if (rnd.nextBoolean()) {
      b.addCandidateItems(items.get(rnd.nextInt(items.size()))).addCandidateItems(items.get(rnd.nextInt(items.size())))
          .addCandidateItems("unknown-candidate");
    }
    if (kind == 4) {
      b.setModel(ModelRef.newBuilder().setName("no-such-recommender"));
    }
    RecommendRequest request = b.build();
    Status.Code expected = switch (kind) {
      case 1, 2, 3 -> Status.Code.INVALID_ARGUMENT;
      case 4 -> Status.Code.NOT_FOUND;
      default -> null;
    };
    Case c = new Case((kind == 5 ? "cancelled " : "") + model + " Recommend kind " + kind, s -> s.recommend(request),
        expected);
    if (kind == 5) {
      CANCELLABLE.put(c, request);
    }
    return c;
  }

  /**
   * ReconstructStream: three messages on one stream, answered in order. 0 valid; 1 the second
   * message is 17 wide (the stream ends INVALID_ARGUMENT); 2 the second names an unknown model
   * (NOT_FOUND); 3 valid again.
   */
  private static Case stream(Random rnd, int kind) {
    List<ReconstructRequest> messages = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int cols = kind == 1 && i == 1 ? WIDTH + 1 : WIDTH;
      int n = 1 + rnd.nextInt(4);
      float[] v = new float[n * cols];
      for (int j = 0; j < v.length; j++) {
        v[j] = rnd.nextFloat();
      }
      messages.add(ReconstructRequest.newBuilder()
          .setModel(ModelRef.newBuilder().setName(kind == 2 && i == 1 ? "no-such-model" : "iso-ae"))
          .setInputs(MatrixCodec.encode(new Matrix(n, cols, v), MatrixEncoding.MATRIX_ENCODING_VALUES)).build());
    }
    Status.Code expected = kind == 1 ? Status.Code.INVALID_ARGUMENT : kind == 2 ? Status.Code.NOT_FOUND : null;
    return new Case("iso-ae ReconstructStream kind " + kind, s -> streamOnce(messages), expected);
  }

  /** Sends the messages on one stream and returns the answers as one message (a ReconstructResponse of them all). */
  private static Message streamOnce(List<ReconstructRequest> messages) {
    CompletableFuture<List<ReconstructResponse>> done = new CompletableFuture<>();
    List<ReconstructResponse> got = Collections.synchronizedList(new ArrayList<>());
    StreamObserver<ReconstructRequest> in = AutoencoderGrpc.newStub(f.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .reconstructStream(new StreamObserver<>() {
          @Override
          public void onNext(ReconstructResponse r) {
            got.add(r);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(got);
          }
        });
    messages.forEach(in::onNext);
    in.onCompleted();
    try {
      ReconstructResponse.Builder all = ReconstructResponse.newBuilder();
      for (ReconstructResponse r : done.get(60, TimeUnit.SECONDS)) {
        all.addAllScores(r.getScoresList());
        all.setOutputs(all.getOutputs().toBuilder().addAllValues(r.getOutputs().getValuesList()));
      }
      return all.build();
    } catch (ExecutionException e) {
      throw (StatusRuntimeException) e.getCause();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Comparing an answer with the lone answer: float fields within 1e-6 relative, the rest exactly. */
  static final class Answers {
    private static final double TOLERANCE = 1e-6;

    /** Null when equal; else where they differ. */
    static String difference(Message expected, Message got) {
      Message a = expected.toBuilder().clearField(expected.getDescriptorForType().findFieldByName("served_by")).build();
      Message b = got.toBuilder().clearField(got.getDescriptorForType().findFieldByName("served_by")).build();
      if (a instanceof dev.aeserve.proto.v1.SampleResponse) {
        // Sample with a seed: the same bytes.
        return a.equals(b) ? null : "sample bytes differ";
      }
      List<Float> x = new ArrayList<>();
      List<Float> y = new ArrayList<>();
      flatten(a, x);
      flatten(b, y);
      if (x.size() != y.size()) {
        return x.size() + " numbers alone, " + y.size() + " together";
      }
      for (int i = 0; i < x.size(); i++) {
        double d = Math.abs(x.get(i) - y.get(i));
        if (d > TOLERANCE * Math.max(1.0, Math.abs(x.get(i)))) {
          return "number " + i + " is " + y.get(i) + ", alone " + x.get(i);
        }
      }
      List<String> sx = new ArrayList<>();
      List<String> sy = new ArrayList<>();
      strings(a, sx);
      strings(b, sy);
      return sx.equals(sy) ? null : "ids or verdicts differ: " + sy + " vs " + sx;
    }

    /** Every float in a message, in field order; raw_le bytes as floats. */
    private static void flatten(Message m, List<Float> out) {
      m.getAllFields().forEach((field, value) -> {
        if (value instanceof Message sub) {
          if (sub instanceof dev.aeserve.proto.v1.Matrix matrix) {
            if (matrix.getRawLe().isEmpty()) {
              out.addAll(matrix.getValuesList());
            } else {
              for (float v : MatrixCodec.decode(matrix, "answer").data()) {
                out.add(v);
              }
            }
          } else {
            flatten(sub, out);
          }
        } else if (value instanceof List<?> list) {
          for (Object o : list) {
            if (o instanceof Float v) {
              out.add(v);
            } else if (o instanceof Message sub) {
              flatten(sub, out);
            }
          }
        } else if (value instanceof Float v) {
          out.add(v);
        }
      });
    }

    /** Every string, bool and integer in a message (ids, verdicts, fingerprints, seeds), in field order. */
    private static void strings(Message m, List<String> out) {
      m.getAllFields().forEach((field, value) -> {
        if (value instanceof Message sub) {
          strings(sub, out);
        } else if (value instanceof List<?> list) {
          for (Object o : list) {
            if (o instanceof Message sub) {
              strings(sub, out);
            } else if (!(o instanceof Float)) {
              out.add(field.getName() + "=" + o);
            }
          }
        } else if (!(value instanceof Float) && !(value instanceof com.google.protobuf.ByteString)) {
          out.add(field.getName() + "=" + value);
        }
      });
    }
  }
}
