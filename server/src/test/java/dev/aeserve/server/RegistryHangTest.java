package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.AeserveException;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real hang: the registry's Postgres stopped with SIGSTOP while its connections are open, so
 * statements are sent and never answered, and even Postgres's cancel request (a new connection to
 * the stopped postmaster) waits. Registry calls still answer UNAVAILABLE within the configured
 * budget, because the server answers first and cancels the SQL off the caller's path (a cancel
 * made on the caller's path once held a call until the caller's 5 s deadline). Loaded versions go
 * on answering, and the registry serves again once Postgres resumes.
 */
class RegistryHangTest {

  private static final Duration BUDGET = Duration.ofMillis(1_000);

  @Test
  void registryCallsAnswerWithinTheBudgetWhilePostgresIsStoppedMidStatement(@TempDir Path dir) throws Exception {
    try (EmbeddedDatabase postgres = EmbeddedDatabase.start(dir.resolve("pg"));
        Database database = Database.open(postgres.jdbcUrl(), EmbeddedDatabase.USER, null);
        PostgresModelRegistry registry = new PostgresModelRegistry(database)) {
      String name = InProcessServerBuilder.generateName();
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      try (AeServer server = AeServer.start(InProcessServerBuilder.forName(name), registry,
              ServerConfig.defaults().withPort(0).withPreload(false).withRegistryCallBudget(BUDGET));
          AeserveClient client = AeserveClient.forChannel(channel, Duration.ofSeconds(30))) {
        // Set up through the registry itself: the budget applies to every registry call made for a
        // caller, and a busy machine can take longer than it to create a model.
        var m = ServerFixture.tinyModel(6, 1);
        registry.createModel("held", "ae", "", "test");
        int v1 = registry.createVersion(new NewVersion("held", m.spec().toJson(), m.metrics().toJson(), null, null,
            m.weights(), null), "test").version();
        float[][] x = {new float[6]};
        assertThat(ServerFixture.onceAvailable(() -> client.encode(ModelSelector.model("held"), x)).servedBy().version())
            .isEqualTo(v1);

        // A statement in flight when Postgres stops: a lock holds GetModel's SELECT until then.
        try (Connection locker = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedDatabase.USER, null)) {
          locker.setAutoCommit(false);
          locker.createStatement().execute("LOCK TABLE model IN ACCESS EXCLUSIVE MODE");
          long start = System.nanoTime();
          CompletableFuture<AeserveException> held = CompletableFuture.supplyAsync(() -> catchThrowableOfType(
              () -> client.withDeadline(Duration.ofSeconds(20)).getModel("held"), AeserveException.class));
          awaitLockWait(locker);
          List<ProcessHandle> stopped = stop(postgres.postmasterPid().orElseThrow());
          try {
            AeserveException e = held.get(30, TimeUnit.SECONDS);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(e).as("GetModel while Postgres is stopped mid-statement").isNotNull();
            assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
            // The budget, plus the way back through an in-process transport on a busy machine; a
            // cancel on the caller's path would add the driver's 10 s cancel timeout.
            assertThat(tookMs).as("ms to answer the held GetModel").isLessThan(BUDGET.toMillis() + 1_500);

            for (int i = 0; i < 3; i++) {
              start = System.nanoTime();
              e = catchThrowableOfType(
                  () -> client.withDeadline(Duration.ofSeconds(20)).getModel("held"), AeserveException.class);
              tookMs = (System.nanoTime() - start) / 1_000_000;
              assertThat(e).as("GetModel while Postgres is stopped").isNotNull();
              assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(tookMs).as("ms to answer GetModel #" + i).isLessThan(BUDGET.toMillis() + 1_500);
              assertThat(client.encode(ModelSelector.model("held"), x).servedBy().version()).isEqualTo(v1);
            }
          } finally {
            signal("CONT", stopped);
          }
          locker.rollback();
        }
        assertThat(ServerFixture.onceAvailable(() -> client.getModel("held")).getVersionsCount()).as("registry back after SIGCONT")
            .isEqualTo(1);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** Until a backend other than {@code locker} waits on a lock. */
  private static void awaitLockWait(Connection locker) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try (var rs = locker.createStatement().executeQuery(
          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()")) {
        rs.next();
        if (rs.getInt(1) > 0) {
          return;
        }
      }
      assertThat(System.nanoTime()).as("GetModel waits on the lock").isLessThan(until);
      Thread.onSpinWait();
    }
  }

  /** SIGSTOP the postmaster and every process it started (backends, background workers). */
  private static List<ProcessHandle> stop(long postmaster) throws IOException, InterruptedException {
    List<ProcessHandle> all = new ArrayList<>();
    ProcessHandle pm = ProcessHandle.of(postmaster).orElseThrow();
    all.add(pm);
    pm.children().forEach(all::add);
    signal("STOP", all);
    return all;
  }

  private static void signal(String signal, List<ProcessHandle> processes) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    processes.forEach(p -> command.add(Long.toString(p.pid())));
    int rc = new ProcessBuilder(command).inheritIO().start().waitFor();
    assertThat(rc).as(String.join(" ", command)).isZero();
  }
}
