package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** For tests that run `aeserve serve` as a process of its own. */
final class ServerProcesses {

  private ServerProcesses() {}

  /** A port nothing listens on right now. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * Polls the gRPC health check until the server is SERVING (at most 90 s), failing at once, with
   * the server's log, if the process dies first.
   */
  static void awaitServing(ManagedChannel channel, Process p, Path log) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        assertThat(p.isAlive()).as("server process is running; log:\n" + Files.readString(log)).isTrue();
      }
      try {
        var r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
        if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
          return;
        }
      } catch (RuntimeException notYet) {
        // still starting
      }
      Thread.sleep(100); // a poll interval; the verdict is SERVING, or the process dying, or the 90 s guard
    }
    throw new AssertionError("server did not reach SERVING within 90 s; log:\n" + Files.readString(log));
  }
}
