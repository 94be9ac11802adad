package dev.aeserve.cli;

import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.server.batching.BatchingConfig;
import java.util.List;
import dev.aeserve.server.AeServer;
import dev.aeserve.server.ServerConfig;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code aeserve serve}: runs the gRPC server until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the aeserve gRPC server.")
final class ServeCommand implements Runnable {

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "50051", description = "gRPC port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--engine", defaultValue = "mxnet", description = "DJL engine: mxnet or pytorch (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--max-rows", defaultValue = "8192", description = "Most rows per request (default: ${DEFAULT-VALUE}).")
  int maxRows;

  @Option(names = "--no-preload", description = "Load models on first call instead of at start.")
  boolean noPreload;

  @Option(names = "--metrics-port", defaultValue = "-1",
      description = "Serve Prometheus metrics on this port at /metrics (default: off).")
  int metricsPort;

  @Option(names = "--devices", split = ",", defaultValue = "cpu", paramLabel = "cpu|gpu:N",
      description = "Where each loaded version computes, one copy and runner per entry, e.g. gpu:0,gpu:1 "
          + "(GPUs need --engine pytorch; default: ${DEFAULT-VALUE}).")
  List<String> devices;

  @Option(names = "--unload-grace", defaultValue = "30s",
      description = "How long a version nothing routes to stays loaded (default: ${DEFAULT-VALUE}).")
  String unloadGrace;

  @Mixin
  BatchingOptions batching;

  @Mixin
  DatabaseOptions database;

  @Override
  public void run() {
    ServerConfig config;
    try {
      config = config(host, port, engine, maxRows, !noPreload).withBatching(batching.toConfig())
          .withMetricsPort(metricsPort)
          .withDevices(devices.stream().map(ComputeDevice::parse).toList())
          .withUnloadGrace(BatchingConfig.parseDuration(unloadGrace));
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    try (RegistryBackend backend = RegistryBackend.open(database, System.err)) {
      runUntilShutdown(backend, config, () -> {});
    }
  }

  static ServerConfig config(String host, int port, String engine, int maxRows, boolean preload) {
    try {
      return ServerConfig.defaults()
          .withHost(host)
          .withPort(port)
          .withEngine(EngineKind.parse(engine))
          .withMaxRowsPerRequest(maxRows)
          .withPreload(preload);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  /** Starts the server, runs {@code onStarted}, and blocks until SIGINT/SIGTERM, then drains. */
  static void runUntilShutdown(RegistryBackend backend, ServerConfig config, Runnable onStarted) {
    AeServer server;
    try {
      server = AeServer.start(backend.registry(), config);
    } catch (java.io.UncheckedIOException | IllegalArgumentException e) {
      backend.close();
      throw new CliException(e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      System.err.println("aeserve: shutting down (draining in-flight calls)");
      // Shutdown order: stop intake and drain, then unload models, then the database.
      server.close();
      backend.close();
      stopped.countDown();
    }, "aeserve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    System.err.println("aeserve: SERVING on " + config.host() + ":" + server.port()
        + " (" + config.engine().djlName() + ")"
        + (server.metricsPort() >= 0 ? "; metrics on :" + server.metricsPort() + "/metrics" : "")
        + "; Ctrl-C to stop");
    onStarted.run();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
