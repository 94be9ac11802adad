package dev.aeserve.cli;

import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.server.AeServer;
import dev.aeserve.server.ServerConfig;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.security.AuthMode;
import dev.aeserve.server.security.SecurityConfig;
import dev.aeserve.server.security.TlsConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;
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

  @Option(names = "--console-port", defaultValue = "-1", paramLabel = "PORT",
      description = "Serve the web console (HTTP, on --host) on this port; 0 picks a free one (default: off).")
  int consolePort;

  @Option(names = "--devices", split = ",", defaultValue = "cpu", paramLabel = "cpu|gpu:N",
      description = "Where each loaded version computes, one copy and runner per entry, e.g. gpu:0,gpu:1 "
          + "(GPUs need --engine pytorch; default: ${DEFAULT-VALUE}).")
  List<String> devices;

  @Option(names = "--max-connection-age", paramLabel = "DURATION",
      description = "Close client connections gracefully after this long (e.g. 5m), so clients balancing "
          + "round-robin over a headless Service find new replicas (default: never).")
  String maxConnectionAge;

  @Option(names = "--unload-grace", defaultValue = "30s",
      description = "How long a version nothing routes to stays loaded (default: ${DEFAULT-VALUE}).")
  String unloadGrace;

  @Option(names = "--max-message-bytes", defaultValue = "67108864", paramLabel = "BYTES",
      description = "Largest inbound gRPC message; larger calls get RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}, 64 MiB).")
  int maxMessageBytes;

  @Option(names = "--max-artifact-bytes", defaultValue = "1073741824", paramLabel = "BYTES",
      description = "Largest weights upload (default: ${DEFAULT-VALUE}, 1 GiB).")
  long maxArtifactBytes;

  @Option(names = "--model-memory-budget", defaultValue = "0", paramLabel = "SIZE",
      description = "Most weights the loaded versions may take (e.g. 2GiB, 512MiB, or bytes); the least recently "
          + "used versions nothing routes to are unloaded to make room, others load on first call (default: 0, none).")
  String modelMemoryBudget;

  @Option(names = "--auth", defaultValue = "${env:AESERVE_AUTH:-auto}", paramLabel = "auto|required|off",
      description = "Bearer tokens: auto = required unless --host is loopback; off beyond loopback is logged as a "
          + "warning (or AESERVE_AUTH; default: ${DEFAULT-VALUE}).")
  String auth;

  @Option(names = "--tls-cert", defaultValue = "${env:AESERVE_TLS_CERT}", paramLabel = "PEM",
      description = "TLS certificate chain for the gRPC port (or AESERVE_TLS_CERT); needs --tls-key.")
  Path tlsCert;

  @Option(names = "--tls-key", defaultValue = "${env:AESERVE_TLS_KEY}", paramLabel = "PEM",
      description = "PKCS#8 PEM private key of --tls-cert (or AESERVE_TLS_KEY).")
  Path tlsKey;

  @Option(names = "--tls-client-ca", defaultValue = "${env:AESERVE_TLS_CLIENT_CA}", paramLabel = "PEM",
      description = "Mutual TLS: refuse clients without a certificate from these CAs (or AESERVE_TLS_CLIENT_CA).")
  Path tlsClientCa;

  @Option(names = "--health-port", defaultValue = "-1", paramLabel = "PORT",
      description = "With TLS: also serve grpc.health.v1 alone, in plaintext, on this port for probes (default: off).")
  int healthPort;

  @Option(names = "--drain-grace", defaultValue = "10s", paramLabel = "DURATION",
      description = "On SIGTERM, how long in-flight calls may take to finish (default: ${DEFAULT-VALUE}).")
  String drainGrace;

  @Option(names = "--registry-call-budget", defaultValue = "1800ms", paramLabel = "DURATION",
      description = "A registry call (ListModels, SetAlias, ...) answers within this or the caller's deadline,"
          + " whichever is shorter; UNAVAILABLE when the database is down or hangs (default: ${DEFAULT-VALUE}).")
  String registryCallBudget;

  @Option(names = "--log-format", defaultValue = "${env:AESERVE_LOG_FORMAT:-auto}", paramLabel = "auto|json|text",
      description = "Log lines on stderr: auto = text on a terminal, JSON otherwise (or AESERVE_LOG_FORMAT; "
          + "default: ${DEFAULT-VALUE}).")
  String logFormat;

  @Mixin
  BatchingOptions batching;

  @Mixin
  DatabaseOptions database;

  @Override
  public void run() {
    LogFormat.parse(logFormat).apply();
    ServerConfig config;
    try {
      config = config(host, port, engine, maxRows, !noPreload).withBatching(batching.toConfig())
          .withMetricsPort(metricsPort)
          .withConsolePort(consolePort)
          .withDevices(devices.stream().map(ComputeDevice::parse).toList())
          .withUnloadGrace(BatchingConfig.parseDuration(unloadGrace))
          .withMaxConnectionAge(maxConnectionAge == null ? null : BatchingConfig.parseDuration(maxConnectionAge))
          .withMaxMessageBytes(maxMessageBytes)
          .withMaxArtifactBytes(maxArtifactBytes)
          .withModelMemoryBudgetBytes(ByteSize.parse(modelMemoryBudget))
          .withDrainGrace(BatchingConfig.parseDuration(drainGrace))
          .withRegistryCallBudget(BatchingConfig.parseDuration(registryCallBudget))
          .withSecurity(security());
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    // Checked before the database starts, so a bad certificate fails in a second, not after migrations.
    if (config.security().tls() != null) {
      try {
        AeServer.checkTls(config.security().tls());
      } catch (IllegalArgumentException e) {
        throw new CliException(e.getMessage());
      }
    }
    try (RegistryBackend backend = RegistryBackend.open(database, System.err)) {
      runUntilShutdown(backend, config, server -> {});
    }
  }

  private SecurityConfig security() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key");
    }
    if (tlsClientCa != null && tlsCert == null) {
      throw new IllegalArgumentException("--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key");
    }
    TlsConfig tls = tlsCert == null ? null : new TlsConfig(tlsCert, tlsKey, tlsClientCa);
    return new SecurityConfig(AuthMode.parse(auth), tls, healthPort);
  }

  /** The console's address as a browser on this machine opens it. */
  static String consoleAddress(ServerConfig config, AeServer server) {
    String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
    return "http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
        + server.consolePort() + "/";
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

  /**
   * Starts the server, runs {@code onStarted}, and blocks until SIGINT/SIGTERM; then drains and
   * returns, so that the process exits 0 after a clean drain. SIGTERM and SIGINT are handled
   * rather than left to shutdown hooks (which would make the exit status 143); a hook still
   * drains when the JVM exits for any other reason.
   */
  static void runUntilShutdown(RegistryBackend backend, ServerConfig config, java.util.function.Consumer<AeServer> onStarted) {
    AeServer server;
    try {
      server = AeServer.start(backend.registry(), config.authEnabled() ? backend.tokens() : null, config);
    } catch (java.io.UncheckedIOException | IllegalArgumentException e) {
      backend.close();
      throw new CliException(e.getMessage(), e);
    }
    // Shutdown order: stop intake and drain, then unload models, then the database. Both are idempotent.
    Runnable stop = () -> {
      server.close();
      backend.close();
    };
    Thread hook = new Thread(stop, "aeserve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    CountDownLatch stopRequested = new CountDownLatch(1);
    for (String name : List.of("TERM", "INT")) {
      Signal.handle(new Signal(name), signal -> stopRequested.countDown());
    }
    System.err.println("aeserve: SERVING on " + config.host() + ":" + server.port()
        + " (" + config.engine().djlName() + (config.security().tls() == null ? "" : ", TLS")
        + (config.authEnabled() ? ", bearer tokens required" : "") + ")"
        + (server.healthPort() >= 0 ? "; plaintext health on :" + server.healthPort() : "")
        + (server.metricsPort() >= 0 ? "; metrics on :" + server.metricsPort() + "/metrics" : "")
        + (server.consolePort() >= 0 ? "; console on " + consoleAddress(config, server) : "")
        + "; Ctrl-C to stop");
    onStarted.accept(server);
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.err.println("aeserve: shutting down (draining in-flight calls for up to "
        + config.drainGrace().toMillis() + " ms)");
    stop.run();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyExiting) {
      // The JVM is exiting anyway; the hook finds everything closed.
    }
  }
}
