package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.testing.TestPostgres;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a server process under steady traffic fails no request it accepted.
 *
 * <p>Precisely: every call the client sent before the SIGTERM was sent completes OK. Such a call
 * reached the server before the server's GOAWAY could reach the client (the GOAWAY follows the
 * signal), and gRPC's graceful shutdown accepts every stream opened before the client has seen
 * the GOAWAY, so it is in flight and the drain must finish it. A call sent after the SIGTERM may
 * be refused, and then only with UNAVAILABLE. The batching delay is long (50 ms) so that many
 * calls are in flight at the signal, and the test checks that some were.
 */
class DrainTest {

  private record Outcome(long sentNanos, long doneNanos, Status.Code code) {}

  @Test
  void sigtermDuringSteadyTrafficFailsNoAcceptedRequestAndExitsZero(@TempDir Path dir) throws Exception {
    int port = ServerProcesses.freePort();
    Path log = dir.resolve("server.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process server = new ProcessBuilder(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "serve", "--port", Integer.toString(port), "--db-url", TestPostgres.freshDatabaseUrl(),
        "--db-user", EmbeddedDatabase.USER, "--max-queue-delay", "50ms", "--drain-grace", "10s", "--log-format", "json")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      ServerProcesses.awaitServing(channel, server, log);
      TrainingConfig config = new TrainingConfig(2, 32, 1e-2f, 0.2, 1, EngineKind.MXNET);
      TrainedModel trained = new AutoencoderTrainer(config)
          .train(AutoencoderSpec.dense(16, List.of(12), 3, "sigmoid", "mse"), SyntheticData.manifold(200, 16, 1));
      try (AeserveClient client = AeserveClient.forChannel(channel, Duration.ofSeconds(30))) {
        client.createModel("drain", "ae", "");
        client.uploadVersion("drain", trained.spec().toJson(), "{}", null, trained.weights());
      }
      EncodeRequest request = EncodeRequest.newBuilder().setModel(ModelRef.newBuilder().setName("drain"))
          .setInputs(Wire.matrix(SyntheticData.manifold(2, 16, 3).toArray())).build();
      AutoencoderGrpc.newBlockingStub(channel).encode(request); // loads the version before the load starts

      AtomicBoolean stop = new AtomicBoolean();
      // The signal goes once traffic is steady: 200 calls answered, however long that takes here.
      CountDownLatch steady = new CountDownLatch(200);
      ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
      List<Thread> callers = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        Thread t = new Thread(() -> {
          var stub = AutoencoderGrpc.newBlockingStub(channel);
          while (!stop.get()) {
            long sent = System.nanoTime();
            Status.Code code = Status.Code.OK;
            try {
              stub.withDeadlineAfter(30, TimeUnit.SECONDS).encode(request);
            } catch (StatusRuntimeException e) {
              code = e.getStatus().getCode();
            }
            outcomes.add(new Outcome(sent, System.nanoTime(), code));
            if (code == Status.Code.OK) {
              steady.countDown();
            } else {
              sleepQuietly(20); // a back-off, not a verdict: a refused caller should not spin
            }
          }
        }, "drain-caller-" + i);
        t.setDaemon(true);
        callers.add(t);
        t.start();
      }
      assertThat(steady.await(120, TimeUnit.SECONDS)).as("200 calls answered before the signal").isTrue();
      long sigterm = System.nanoTime();
      server.destroy(); // SIGTERM
      boolean exited = server.waitFor(60, TimeUnit.SECONDS);
      stop.set(true);
      for (Thread t : callers) {
        t.join(TimeUnit.SECONDS.toMillis(40));
      }
      String output = Files.readString(log);
      assertThat(exited).as("server exited within 60 s of SIGTERM; log:\n" + output).isTrue();
      assertThat(server.exitValue()).as("exit status after a clean drain; log:\n" + output).isZero();

      List<Outcome> before = outcomes.stream().filter(o -> o.sentNanos() < sigterm).toList();
      List<Outcome> after = outcomes.stream().filter(o -> o.sentNanos() >= sigterm).toList();
      long inFlightAtSignal = before.stream().filter(o -> o.doneNanos() > sigterm).count();
      System.out.printf("drain: %d calls sent before SIGTERM (%d in flight at it), %d after%n", before.size(),
          inFlightAtSignal, after.size());
      assertThat(before).as("calls sent before SIGTERM").isNotEmpty()
          .allSatisfy(o -> assertThat(o.code()).isEqualTo(Status.Code.OK));
      assertThat(inFlightAtSignal).as("calls in flight when SIGTERM was sent").isPositive();
      assertThat(after).allSatisfy(o -> assertThat(o.code()).isIn(Status.Code.OK, Status.Code.UNAVAILABLE));
      assertThat(output).contains("draining").contains("\"level\":");
    } finally {
      channel.shutdownNow();
      server.destroyForcibly();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
