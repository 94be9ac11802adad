package dev.aeserve.server;

import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.runtime.RequestLimits;
import dev.aeserve.server.security.SecurityConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The server's knobs, validated once at start.
 *
 * @param host address to listen on, such as 127.0.0.1 or 0.0.0.0
 * @param port gRPC port; 0 picks a free one
 * @param engine DJL engine that runs the models
 * @param maxRowsPerRequest more rows than this is INVALID_ARGUMENT
 * @param maxMessageBytes largest inbound gRPC message; larger is RESOURCE_EXHAUSTED
 * @param maxArtifactBytes largest weights upload
 * @param preload load every model's served versions at start, before reporting SERVING
 * @param batching the batch policy of each (model, RPC) queue
 * @param metricsPort port of the Prometheus endpoint; -1 for none, 0 for any free port
 * @param devices where each loaded version computes: one copy and one runner per entry
 * @param unloadGrace how long a version no longer referenced by any route stays loaded
 * @param security bearer tokens, TLS and the plaintext health port
 * @param drainGrace on close, how long in-flight calls may take to finish before they are cancelled
 * @param maxConnectionAge close client connections (gracefully) after this long, so that clients
 *     balancing round-robin over a headless Service reconnect and find new replicas; null for never
 * @param modelMemoryBudgetBytes the most the loaded versions' weights may take together; 0 for no budget
 * @param registryCallBudget a registry call answers within this or the caller's deadline, whichever is
 *     shorter (UNAVAILABLE when the database is down or hangs)
 * @param consolePort port of the web console (HTTP, on {@code host}); -1 for none, 0 for any free port
 */
public record ServerConfig(
    String host,
    int port,
    EngineKind engine,
    int maxRowsPerRequest,
    int maxMessageBytes,
    long maxArtifactBytes,
    boolean preload,
    BatchingConfig batching,
    int metricsPort,
    List<ComputeDevice> devices,
    Duration unloadGrace,
    SecurityConfig security,
    Duration drainGrace,
    Duration maxConnectionAge,
    long modelMemoryBudgetBytes,
    Duration registryCallBudget,
    int consolePort) {

  public static final int DEFAULT_PORT = 50051;

  /**
   * The promise to callers is 2 s; the server answers 200 ms sooner, so that the answer's way back
   * through a busy transport fits too (at a 2 s budget, callers on a loaded 2-core box saw up to 2,059 ms).
   */
  public static final Duration DEFAULT_REGISTRY_CALL_BUDGET = Duration.ofMillis(1_800);

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(engine, "engine");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
    }
    if (maxRowsPerRequest < 1) {
      throw new IllegalArgumentException("maxRowsPerRequest must be >= 1, got " + maxRowsPerRequest);
    }
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 1024, got " + maxMessageBytes);
    }
    Objects.requireNonNull(batching, "batching");
    Objects.requireNonNull(unloadGrace, "unloadGrace");
    devices = List.copyOf(devices);
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("devices must name at least one device (cpu, gpu:0, ...)");
    }
    for (ComputeDevice d : devices) {
      if (d.isGpu() && engine != EngineKind.PYTORCH) {
        throw new IllegalArgumentException(d + " needs --engine pytorch; the published MXNet build is CPU-only");
      }
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException("metrics port must be in [0, 65535] (or -1 for none), got " + metricsPort);
    }
    if (maxArtifactBytes < 1) {
      throw new IllegalArgumentException("maxArtifactBytes must be >= 1, got " + maxArtifactBytes);
    }
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(drainGrace, "drainGrace");
    if (drainGrace.isNegative()) {
      throw new IllegalArgumentException("drain grace must not be negative, got " + drainGrace);
    }
    if (maxConnectionAge != null && (maxConnectionAge.isNegative() || maxConnectionAge.isZero())) {
      throw new IllegalArgumentException("max connection age must be positive, got " + maxConnectionAge);
    }
    if (modelMemoryBudgetBytes < 0) {
      throw new IllegalArgumentException("model memory budget must be >= 0 bytes (0 for none), got "
          + modelMemoryBudgetBytes);
    }
    Objects.requireNonNull(registryCallBudget, "registryCallBudget");
    if (registryCallBudget.toMillis() < 100) {
      throw new IllegalArgumentException("registry call budget must be at least 100 ms, got "
          + registryCallBudget.toMillis() + " ms");
    }
    if (consolePort < -1 || consolePort > 65535) {
      throw new IllegalArgumentException("console port must be in [0, 65535] (or -1 for none), got " + consolePort);
    }
    if (security.healthPort() >= 0 && security.tls() == null) {
      throw new IllegalArgumentException("--health-port is for TLS servers (probes that cannot speak TLS); without"
          + " TLS, probe the gRPC port");
    }
  }

  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", DEFAULT_PORT, EngineKind.MXNET, RequestLimits.DEFAULT_MAX_ROWS, 64 << 20, 1L << 30, true,
        BatchingConfig.of(BatchPolicy.defaults()), -1, List.of(ComputeDevice.CPU),
        Duration.ofSeconds(30), SecurityConfig.defaults(), Duration.ofSeconds(10), null, 0, DEFAULT_REGISTRY_CALL_BUDGET, -1);
  }

  public ServerConfig withPort(int p) {
    Copy c = new Copy(this);
    c.port = p;
    return c.build();
  }

  public ServerConfig withHost(String h) {
    Copy c = new Copy(this);
    c.host = h;
    return c.build();
  }

  public ServerConfig withEngine(EngineKind e) {
    Copy c = new Copy(this);
    c.engine = e;
    return c.build();
  }

  public ServerConfig withMaxRowsPerRequest(int rows) {
    Copy c = new Copy(this);
    c.maxRowsPerRequest = rows;
    return c.build();
  }

  public ServerConfig withPreload(boolean p) {
    Copy c = new Copy(this);
    c.preload = p;
    return c.build();
  }

  public ServerConfig withBatching(BatchingConfig b) {
    Copy c = new Copy(this);
    c.batching = b;
    return c.build();
  }

  public ServerConfig withMetricsPort(int p) {
    Copy c = new Copy(this);
    c.metricsPort = p;
    return c.build();
  }

  public ServerConfig withDevices(List<ComputeDevice> d) {
    Copy c = new Copy(this);
    c.devices = d;
    return c.build();
  }

  public ServerConfig withUnloadGrace(Duration g) {
    Copy c = new Copy(this);
    c.unloadGrace = g;
    return c.build();
  }

  public ServerConfig withMaxMessageBytes(int bytes) {
    Copy c = new Copy(this);
    c.maxMessageBytes = bytes;
    return c.build();
  }

  public ServerConfig withMaxArtifactBytes(long bytes) {
    Copy c = new Copy(this);
    c.maxArtifactBytes = bytes;
    return c.build();
  }

  public ServerConfig withSecurity(SecurityConfig s) {
    Copy c = new Copy(this);
    c.security = s;
    return c.build();
  }

  public ServerConfig withDrainGrace(Duration g) {
    Copy c = new Copy(this);
    c.drainGrace = g;
    return c.build();
  }

  public ServerConfig withMaxConnectionAge(Duration age) {
    Copy c = new Copy(this);
    c.maxConnectionAge = age;
    return c.build();
  }

  public ServerConfig withModelMemoryBudgetBytes(long bytes) {
    Copy c = new Copy(this);
    c.modelMemoryBudgetBytes = bytes;
    return c.build();
  }

  public ServerConfig withRegistryCallBudget(Duration budget) {
    Copy c = new Copy(this);
    c.registryCallBudget = budget;
    return c.build();
  }

  public ServerConfig withConsolePort(int p) {
    Copy c = new Copy(this);
    c.consolePort = p;
    return c.build();
  }

  /** The fields of a config, to change one and build a new, validated config. */
  private static final class Copy {
    String host;
    int port;
    EngineKind engine;
    int maxRowsPerRequest;
    int maxMessageBytes;
    long maxArtifactBytes;
    boolean preload;
    BatchingConfig batching;
    int metricsPort;
    List<ComputeDevice> devices;
    Duration unloadGrace;
    SecurityConfig security;
    Duration drainGrace;
    Duration maxConnectionAge;
    long modelMemoryBudgetBytes;
    Duration registryCallBudget;
    int consolePort;

    Copy(ServerConfig c) {
      host = c.host;
      port = c.port;
      engine = c.engine;
      maxRowsPerRequest = c.maxRowsPerRequest;
      maxMessageBytes = c.maxMessageBytes;
      maxArtifactBytes = c.maxArtifactBytes;
      preload = c.preload;
      batching = c.batching;
      metricsPort = c.metricsPort;
      devices = c.devices;
      unloadGrace = c.unloadGrace;
      security = c.security;
      drainGrace = c.drainGrace;
      maxConnectionAge = c.maxConnectionAge;
      modelMemoryBudgetBytes = c.modelMemoryBudgetBytes;
      registryCallBudget = c.registryCallBudget;
      consolePort = c.consolePort;
    }

    ServerConfig build() {
      return new ServerConfig(host, port, engine, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, preload,
          batching, metricsPort, devices, unloadGrace, security, drainGrace, maxConnectionAge,
          modelMemoryBudgetBytes, registryCallBudget, consolePort);
    }
  }

  /** Whether calls need a bearer token, given the auth mode and the host this server listens on. */
  public boolean authEnabled() {
    return security.auth().enabledFor(host);
  }
}
