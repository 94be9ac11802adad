package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.PromoteRequest;
import dev.aeserve.proto.v1.RolloutsGrpc;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.testing.TestPostgres;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Two server processes sharing one Postgres: a promote made through one is served by both, and a
 * promote under continuous load fails no request. How soon both serve it is printed, a figure.
 */
class FleetTest {

  private static Process serve(String dbUrl, int port, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "serve", "--port", Integer.toString(port), "--db-url", dbUrl,
        "--db-user", EmbeddedDatabase.USER, "--unload-grace", "60s")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  @Test
  void aPromoteReachesEveryServerAndFailsNoRequestUnderLoad(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    String dbUrl = TestPostgres.freshDatabaseUrl();
    int portA = ServerProcesses.freePort();
    int portB = ServerProcesses.freePort();
    Process a = serve(dbUrl, portA, dir.resolve("a.log"));
    Process b = serve(dbUrl, portB, dir.resolve("b.log"));
    ManagedChannel ca = NettyChannelBuilder.forAddress("127.0.0.1", portA).usePlaintext().build();
    ManagedChannel cb = NettyChannelBuilder.forAddress("127.0.0.1", portB).usePlaintext().build();
    try (AeserveClient clientA = AeserveClient.forChannel(ca, Duration.ofSeconds(30));
        AeserveClient clientB = AeserveClient.forChannel(cb, Duration.ofSeconds(30))) {
      ServerProcesses.awaitServing(ca, a, dir.resolve("a.log"));
      ServerProcesses.awaitServing(cb, b, dir.resolve("b.log"));
      TrainingConfig config = new TrainingConfig(3, 32, 1e-2f, 0.2, 1, EngineKind.MXNET);
      AutoencoderSpec spec = AutoencoderSpec.dense(16, List.of(12), 3, "sigmoid", "mse");
      TrainedModel v1 = new AutoencoderTrainer(config).train(spec, SyntheticData.manifold(300, 16, 1));
      TrainedModel v2 = new AutoencoderTrainer(config.withSeed(2)).train(spec, SyntheticData.manifold(300, 16, 2));
      clientA.createModel("fleet", "ae", "");
      clientA.uploadVersion("fleet", v1.spec().toJson(), "{}", null, v1.weights());
      clientA.uploadVersion("fleet", v2.spec().toJson(), "{}", null, v2.weights());
      clientA.setAlias("fleet", "production", 1);
      float[][] rows = SyntheticData.manifold(2, 16, 3).toArray();
      ModelSelector production = ModelSelector.alias("fleet", "production");
      // Both servers load version 2 before the promote, so the measurement is of convergence.
      clientA.encode(ModelSelector.version("fleet", 2), rows);
      clientB.encode(ModelSelector.version("fleet", 2), rows);
      assertThat(clientB.encode(production, rows).servedBy().version()).isEqualTo(1);

      AtomicBoolean stop = new AtomicBoolean();
      AtomicBoolean promotedFlag = new AtomicBoolean();
      AtomicLong ok = new AtomicLong();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      // Events, not pauses: the load is running once 400 calls have been served, and the promote has
      // been tried under it once 2,000 more have been served after both servers switched.
      CountDownLatch loaded = new CountDownLatch(400);
      CountDownLatch servedAfter = new CountDownLatch(2_000);
      CountDownLatch done = new CountDownLatch(200);
      List<Thread> callers = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        AeserveClient c = i % 2 == 0 ? clientA : clientB;
        Thread t = new Thread(() -> {
          try {
            while (!stop.get()) {
              try {
                c.encode(production, rows);
                ok.incrementAndGet();
                loaded.countDown();
                if (promotedFlag.get()) {
                  servedAfter.countDown();
                }
              } catch (RuntimeException e) {
                failures.add(e.getMessage());
              }
            }
          } finally {
            done.countDown();
          }
        }, "fleet-caller-" + i);
        t.setDaemon(true);
        callers.add(t);
        t.start();
      }
      // Guards against a hang, not verdicts: each wait ends as soon as its event happens.
      assertThat(loaded.await(120, TimeUnit.SECONDS)).as("400 calls served before the promote").isTrue();
      RolloutsGrpc.newBlockingStub(ca).withDeadlineAfter(30, TimeUnit.SECONDS)
          .promote(PromoteRequest.newBuilder().setModel("fleet").setVersion(2).setAlias("production").build());
      long promoted = System.nanoTime();
      long seenA = -1;
      long seenB = -1;
      // Both servers follow the promote through the change feed, at worst the periodic reconcile
      // (every 5 s); the guard is far beyond both, so only a server that never follows fails here.
      while ((seenA < 0 || seenB < 0) && System.nanoTime() - promoted < TimeUnit.SECONDS.toNanos(120)) {
        if (seenA < 0 && clientA.encode(production, rows).servedBy().version() == 2) {
          seenA = System.nanoTime() - promoted;
        }
        if (seenB < 0 && clientB.encode(production, rows).servedBy().version() == 2) {
          seenB = System.nanoTime() - promoted;
        }
      }
      // How fast is a measured figure, not a verdict here: with 200 callers and two JVMs on two
      // cores the scheduler decides it (well under a second on an idle machine).
      System.out.printf("promote served by A after %.1f ms, by B after %.1f ms%n", seenA / 1e6, seenB / 1e6);
      assertThat(seenA).as("server A serves the promoted version (ns after the promote)").isNotNegative();
      assertThat(seenB).as("server B serves the promoted version (ns after the promote)").isNotNegative();
      promotedFlag.set(true);
      assertThat(servedAfter.await(120, TimeUnit.SECONDS)).as("2,000 calls served after the promote").isTrue();
      stop.set(true);
      assertThat(done.await(60, TimeUnit.SECONDS)).as("every caller stopped").isTrue();
      assertThat(failures).as("failed requests before, during and after the promote under load").isEmpty();
      assertThat(clientA.encode(production, rows).servedBy().version()).isEqualTo(2);
      assertThat(clientB.encode(production, rows).servedBy().version()).isEqualTo(2);
      System.out.printf("%d requests by 200 callers across the promote, none failed%n", ok.get());
    } finally {
      ca.shutdownNow();
      cb.shutdownNow();
      a.destroy();
      b.destroy();
      a.waitFor(30, TimeUnit.SECONDS);
      b.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
