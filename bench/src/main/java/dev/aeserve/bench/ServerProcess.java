package dev.aeserve.bench;

import dev.aeserve.autoencoders.EngineKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@link BenchServer} child process: started, scraped, measured, and stopped. */
final class ServerProcess implements AutoCloseable {

  /** The server's heap; the engines' native memory comes on top and is part of the RSS figure. */
  static final String SERVER_HEAP = "-Xmx256m";

  private final Process process;
  private final int grpcPort;
  private final int metricsPort;
  private final HttpClient http = HttpClient.newHttpClient();

  private ServerProcess(Process process, int grpcPort, int metricsPort) {
    this.process = process;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
  }

  static ServerProcess start(EngineKind engine) throws IOException, InterruptedException {
    return start(engine, null);
  }

  /**
   * Starts a server on a fresh registry, or, given {@code dataDir}, on the embedded registry there
   * with its models preloaded: it returns once the server is SERVING.
   */
  static ServerProcess start(EngineKind engine, Path dataDir) throws IOException, InterruptedException {
    Path portFile = Files.createTempDirectory("aeserve-bench").resolve("ports");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(javaBin, SERVER_HEAP, "-cp",
        System.getProperty("java.class.path"), BenchServer.class.getName(), portFile.toString(),
        engine.name().toLowerCase(java.util.Locale.ROOT)));
    if (dataDir != null) {
      command.add(dataDir.toString());
    }
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    // glibc's per-thread malloc arenas inflate the RSS of processes with many native threads
    // (MKL, Netty) for no speed gain at this size; two arenas is the usual server setting.
    pb.environment().put("MALLOC_ARENA_MAX", "2");
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(portFile)) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the benchmark server exited with " + p.exitValue() + " before it listened");
      }
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException("the benchmark server did not listen within 120 s");
      }
      Thread.sleep(50);
    }
    String[] ports = Files.readString(portFile).trim().split(" ");
    return new ServerProcess(p, Integer.parseInt(ports[0]), Integer.parseInt(ports[1]));
  }

  int grpcPort() {
    return grpcPort;
  }

  MetricsSnapshot metrics() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return new MetricsSnapshot(r.body());
  }

  /** CPU seconds the server process has used so far. */
  double cpuSeconds() {
    return CpuTime.seconds(process.pid());
  }

  /** Resident memory of the server process, in MiB. */
  double rssMib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return Double.NaN;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.getOutputStream().close();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
