package dev.aeserve.bench;

import dev.aeserve.autoencoders.EngineKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** A {@link BenchServer} child process: started (pinned), scraped, measured, and stopped. */
final class ServerProcess implements AutoCloseable {

  /** The server's heap; the engines' native memory comes on top and is part of the RSS figure. */
  static final String SERVER_HEAP = "-Xmx256m";

  /**
   * How to start it.
   *
   * @param dataDir an embedded registry to start on, or null for a fresh empty one
   * @param preload whether the versions in {@code dataDir} load before the server reports SERVING
   * @param memoryBudgetBytes {@code --model-memory-budget}; 0 for none
   */
  record Options(EngineKind engine, Pinning pinning, Path dataDir, boolean preload, long memoryBudgetBytes) {
    static Options fresh(EngineKind engine, Pinning pinning) {
      return new Options(engine, pinning, null, false, 0);
    }
  }

  private final Process process;
  private final int grpcPort;
  private final int metricsPort;
  private final double dbReadyToServingSeconds;
  private final Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  private ServerProcess(Process process, int grpcPort, int metricsPort, double dbReadyToServingSeconds, Path log) {
    this.process = process;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
    this.dbReadyToServingSeconds = dbReadyToServingSeconds;
    this.log = log;
  }

  /** Starts a server; returns once it is SERVING (port bound, and with preload every routed version loaded). */
  static ServerProcess start(Options o) throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("aeserve-bench");
    Path portFile = work.resolve("ports");
    Path log = work.resolve("server.log");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(javaBin, SERVER_HEAP, "-cp",
        System.getProperty("java.class.path"), BenchServer.class.getName(), portFile.toString(),
        o.engine().name().toLowerCase(Locale.ROOT)));
    if (o.dataDir() != null) {
      command.add(o.dataDir().toString());
      command.add(o.preload() ? "preload" : "lazy");
      command.add(Long.toString(o.memoryBudgetBytes()));
    }
    // The server's log goes to a file: many_models reads its cold loads from it, and a failed
    // start points at it.
    ProcessBuilder pb = new ProcessBuilder(o.pinning().server(command))
        .redirectOutput(log.toFile())
        .redirectErrorStream(true);
    // glibc's per-thread malloc arenas inflate the RSS of processes with many native threads
    // (MKL, Netty) for no speed gain at this size; two arenas is the usual server setting.
    pb.environment().put("MALLOC_ARENA_MAX", "2");
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (!Files.exists(portFile)) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the benchmark server exited with " + p.exitValue()
            + " before it listened; its log: " + log);
      }
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException("the benchmark server did not listen within 180 s; its log: " + log);
      }
      Thread.sleep(20);
    }
    String[] ports = Files.readString(portFile).trim().split(" ");
    return new ServerProcess(p, Integer.parseInt(ports[0]), Integer.parseInt(ports[1]),
        Long.parseLong(ports[2]) / 1e9, log);
  }

  int grpcPort() {
    return grpcPort;
  }

  /** Seconds from the embedded database being ready to the server being SERVING. */
  double dbReadyToServingSeconds() {
    return dbReadyToServingSeconds;
  }

  Path log() {
    return log;
  }

  MetricsSnapshot metrics() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return new MetricsSnapshot(r.body());
  }

  /** CPU seconds the server process (with its descendants) has used so far. */
  double cpuSeconds() {
    return CpuTime.tree(process.toHandle());
  }

  /** Resident memory of the server process, in MiB. */
  double rssMib() throws IOException {
    return rssMib(process.pid());
  }

  static double rssMib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
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
