package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** For tests that run `aeserve serve` as a process of its own. */
final class ServerProcesses {

  private ServerProcesses() {}

  /** The lowest port {@link #freePort()} picks: above the registered ports most services use. */
  private static final int LOWEST = 10_000;
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  /**
   * A port nothing listens on right now, below the kernel's ephemeral range. A port from bind(0) is
   * free again once the probe closes it, and the next bind(0) anywhere (a second call here, embedded
   * Postgres choosing its own port while the server starts) hands out that very port with
   * probability 1/14116 on Linux (bind(0) takes the odd ports of 32768-60999; measured 24 in 300,000
   * probe pairs, 8e-5), and the server that then binds it fails. bind(0) and connect() never hand
   * out a port below the range, and this JVM never hands out a port twice.
   */
  static synchronized int freePort() throws IOException {
    int below = ephemeralPortsStart();
    if (below - LOWEST < 1_000) {
      try (ServerSocket s = new ServerSocket(0)) { // no room below the range: the old way
        return s.getLocalPort();
      }
    }
    for (int tries = 0; tries < 1_000; tries++) {
      int port = LOWEST + ThreadLocalRandom.current().nextInt(below - LOWEST);
      if (HANDED_OUT.contains(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        // Without SO_REUSEADDR a port a closed connection still holds (TIME_WAIT) counts as busy too,
        // so a server binding it later does not depend on that option either.
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(port)); // every address: a listener on any of them makes it busy
      } catch (IOException busy) {
        continue;
      }
      HANDED_OUT.add(port);
      return port;
    }
    throw new IOException("no free port in [" + LOWEST + ", " + below + ") after 1000 tries");
  }

  /** Where bind(0) and connect() start picking ports: Linux's setting, else IANA's 49152 (macOS, Windows). */
  private static int ephemeralPortsStart() {
    try {
      return Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim()
          .split("\\s+")[0]);
    } catch (IOException | RuntimeException notLinux) {
      return 49_152;
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
