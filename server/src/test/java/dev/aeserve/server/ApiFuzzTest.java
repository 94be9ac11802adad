package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.TrainingProgress;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.server.grpc.RequestLog;
import dev.aeserve.server.grpc.StatusMapper;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Seeded random requests across the Autoencoder, ModelRegistry and Rollouts services (typed
 * messages with extreme field values, and random or damaged bytes through a byte-array
 * marshaller) against a real server over the embedded Postgres with small real models of six
 * families. Asserts: no call ends INTERNAL or UNKNOWN; a refused call that could change the
 * registry leaves it exactly as it was; the server serves afterwards.
 *
 * <p>{@code -Daeserve.fuzz.requests=200000} runs longer; {@code -Daeserve.fuzz.seed=N} another
 * sequence. The sequence is deterministic for a seed, so a failure names the call index to replay.
 */
class ApiFuzzTest {

  private static final int REQUESTS = Integer.getInteger("aeserve.fuzz.requests", 20_000);
  private static final long SEED = Long.getLong("aeserve.fuzz.seed", 10L);
  private static final int WIDTH = 16;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final TrainingConfig TRAINING = new TrainingConfig(2, 32, 1e-2f, 0.2, 3, EngineKind.MXNET);

  private static ServerFixture f;
  private static List<FuzzRequests.Target> serving;
  private static FuzzRequests.Target sandbox;
  private static FuzzRequests.UploadKit kit;
  private final ListAppender<ILoggingEvent> internalErrors = new ListAppender<>();
  private Level requestLogLevel;

  @BeforeAll
  static void start() {
    // No queue delay: one caller sends one request at a time, and would otherwise wait out every batch.
    f = ServerFixture.start(ServerConfig.defaults().withPort(0).withMaxRowsPerRequest(64).withPreload(false)
        .withBatching(BatchingConfig.of(BatchPolicy.defaults().withMaxQueueDelay(Duration.ZERO))));
    Matrix data = SyntheticData.manifold(200, WIDTH, 3, 0.02, 7);
    TrainedModel ae = ServerFixture.tinyModel(WIDTH, 1);
    serving = new ArrayList<>();
    serving.add(register("fz-ae", "ae", ae));
    serving.add(register("fz-vae", "vae", train(AutoencoderSpec.vae(WIDTH, List.of(12), 3, "sigmoid", "bce", 0.5), data)));
    int[] labels = new int[data.rows()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 3;
    }
    serving.add(register("fz-cvae", "cvae", new AutoencoderTrainer(TRAINING).train(
        AutoencoderSpec.cvae(WIDTH, List.of(12), 2, "sigmoid", "bce", 0.5, List.of("a", "b", "c")), data,
        Conditions.perRow(labels), TrainingProgress.NONE)));
    serving.add(register("fz-dae", "dae", train(AutoencoderSpec.dae(WIDTH, List.of(12), 3, "sigmoid", "mse",
        new dev.aeserve.autoencoders.Corruption(0.1, 0.1, 0, 0.0, 1.0)), data)));
    Ratings ratings = SyntheticRatings.generate(100, 30, 3, 4, 10, 3.0, 1.0, 5);
    List<String> items = ratings.itemsByPopularity(1);
    ItemVocabulary vocabulary = new ItemVocabulary(items);
    serving.add(register("fz-autorec", "autorec", train(AutoencoderSpec.autorec(items, List.of(), 6),
        ratings.matrix(vocabulary))));
    serving.add(register("fz-multvae", "multvae", train(AutoencoderSpec.multvae(items, List.of(12), 4, 0.2, 100, 0.5),
        ratings.binarized(3.5f).matrix(vocabulary))));
    // The sandbox takes the registry changes: two versions and an alias, so changes can succeed too.
    sandbox = register("fz-sandbox", "ae", ae);
    f.register("fz-sandbox", ae);
    f.client.setAlias("fz-sandbox", "stable", 1);
    String calibration = ae.calibration() == null ? "" : ae.calibration().toJson();
    kit = new FuzzRequests.UploadKit(ae.spec().toJson(), ae.metrics().toJson(), calibration, ae.weights(),
        sha256(ae.weights()));
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  @BeforeEach
  void quietRequestLogAndCatchInternalErrors() {
    // Most fuzz calls are refused and the request log would write a line for each; the statuses are what is checked.
    requestLogLevel = requestLog().getLevel();
    requestLog().setLevel(Level.OFF);
    internalErrors.start();
    statusMapper().addAppender(internalErrors);
  }

  @AfterEach
  void restoreLogs() {
    requestLog().setLevel(requestLogLevel);
    statusMapper().detachAppender(internalErrors);
  }

  private static Logger requestLog() {
    return (Logger) LoggerFactory.getLogger(RequestLog.class);
  }

  private static Logger statusMapper() {
    return (Logger) LoggerFactory.getLogger(StatusMapper.class);
  }

  /** What the server logged with the INTERNAL it just answered: the exception and where it was thrown. */
  private String serverCause() {
    List<ILoggingEvent> events = internalErrors.list;
    if (events.isEmpty()) {
      return "";
    }
    IThrowableProxy t = events.get(events.size() - 1).getThrowableProxy();
    while (t != null && t.getCause() != null) {
      t = t.getCause();
    }
    if (t == null) {
      return "";
    }
    String where = t.getStackTraceElementProxyArray().length == 0 ? ""
        : " at " + t.getStackTraceElementProxyArray()[0].getStackTraceElement();
    String message = String.valueOf(t.getMessage());
    return "\n      server: " + t.getClassName() + ": " + (message.length() > 300 ? message.substring(0, 300) + "..."
        : message) + where;
  }

  private static TrainedModel train(AutoencoderSpec spec, Matrix data) {
    return new AutoencoderTrainer(TRAINING).train(spec, data);
  }

  private static FuzzRequests.Target register(String name, String family, TrainedModel m) {
    f.client.createModel(name, family, "fuzz target");
    f.client.uploadVersion(name, m.spec().toJson(), m.metrics().toJson(),
        m.calibration() == null ? null : m.calibration().toJson(), m.weights());
    AutoencoderSpec s = m.spec();
    return new FuzzRequests.Target(name, family, s.inputDim(), s.latentDim(),
        s.conditionLabels() == null ? List.of() : s.conditionLabels(), s.itemIds() == null ? List.of() : s.itemIds());
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One kind of failure: method, code, and the message with its numbers blurred; with a count and the first example. */
  private static final class Finding {
    final String example;
    int count;

    Finding(String example) {
      this.example = example;
    }
  }

  private static String kind(String method, Status status) {
    String d = blur(status.getDescription() == null ? "" : status.getDescription());
    return method + " " + status.getCode() + ": " + (d.length() > 140 ? d.substring(0, 140) + "..." : d);
  }

  /** Numbers and quoted names blurred, so one kind of failure is one finding. */
  private static String blur(String text) {
    return text.replaceAll("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?", "#").replaceAll("'[^']*'", "'*'");
  }

  private static void note(Map<String, Finding> failures, String kind, java.util.function.Supplier<String> example) {
    failures.computeIfAbsent(kind, k -> new Finding(example.get())).count++;
  }

  @Test
  void randomRequestsNeverFailInternallyNorChangeTheRegistryWhenRefused() {
    FuzzRequests requests = new FuzzRequests(new FuzzValues(new Random(SEED)), serving, sandbox, kit);
    Map<String, Finding> failures = new LinkedHashMap<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    Map<String, Long> times = new TreeMap<>();
    String registry = RegistrySnapshot.take(f.database);
    int changesSeen = 0;
    boolean stale = false; // a call since the last snapshot may have changed the registry
    long started = System.nanoTime();
    for (int i = 0; i < REQUESTS; i++) {
      FuzzRequests.Call call = requests.next();
      String beforeCall = call.mutating() && stale ? RegistrySnapshot.take(f.database) : null;
      long callStarted = System.nanoTime();
      String method = call.method().getFullMethodName();
      Status status;
      try {
        status = RawCalls.call(f.channel, call.method(), call.messages(), CALL_TIMEOUT).status();
      } catch (IllegalStateException hung) {
        status = Status.DEADLINE_EXCEEDED.withDescription("no answer within " + CALL_TIMEOUT);
      } catch (OutOfMemoryError e) {
        // In process with a direct executor the server runs on this thread: what escapes it lands here.
        status = Status.UNKNOWN.withDescription("OutOfMemoryError escaped the server: " + e.getMessage());
      }
      outcomes.merge(call.method().getBareMethodName() + " " + status.getCode(), 1, Integer::sum);
      // UNAVAILABLE too: the database is up and nothing drains, so it would only tell clients to retry forever.
      boolean offending = status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN
          || status.getCode() == Status.Code.UNAVAILABLE
          || status.getDescription() != null && status.getDescription().startsWith("no answer within");
      times.merge(call.method().getBareMethodName(), System.nanoTime() - callStarted, Long::sum);
      String example = "#" + i + " " + method + " -> " + status.getCode() + " \"" + status.getDescription() + "\"";
      if (offending) {
        String cause = status.getCode() == Status.Code.INTERNAL ? serverCause() : "";
        note(failures, kind(method, status) + blur(cause), () -> example + "\n      request: " + call.shown().get()
            + cause);
      }
      internalErrors.list.clear();
      if (call.sideEffects()) {
        stale = true;
      }
      if (call.mutating()) {
        String before = stale ? beforeCall : registry;
        String after = RegistrySnapshot.take(f.database);
        if (status.isOk() && !after.equals(before)) {
          changesSeen++;
        }
        if (!status.isOk() && !after.equals(before)) {
          note(failures, "registry changed by a refused " + kind(method, status), () -> example + "\n      request: "
              + call.shown().get() + "\n      changed:\n" + RegistrySnapshot.difference(before, after));
        }
        registry = after;
        stale = false;
      }
    }
    long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
    System.out.printf("API fuzz: %d requests (seed %d) in %d s; outcomes %s; ms per method %s%n", REQUESTS, SEED,
        seconds, outcomes, times.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() / 1_000_000).toList());

    StringBuilder report = new StringBuilder();
    failures.forEach((k, finding) -> report.append("\n  ").append(finding.count).append("x ").append(k)
        .append("\n    first: ").append(finding.example));
    assertThat(failures).withFailMessage("%d distinct failures in %d requests (seed %d):%s", failures.size(), REQUESTS,
        SEED, report).isEmpty();
    // The snapshot is able to see a change: calls that succeeded changed it.
    assertThat(changesSeen).isPositive();

    assertThat(HealthGrpc.newBlockingStub(f.channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    float[][] rows = SyntheticData.manifold(2, WIDTH, 9).toArray();
    assertThat(f.client.encode(ModelSelector.model("fz-ae"), rows).latents()).hasNumberOfRows(2);
  }
}
