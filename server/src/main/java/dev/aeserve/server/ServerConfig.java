package dev.aeserve.server;

import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
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
    Duration unloadGrace) {

  public static final int DEFAULT_PORT = 50051;

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
  }

  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", DEFAULT_PORT, EngineKind.MXNET, 8192, 64 << 20, 1L << 30, true,
        BatchingConfig.of(BatchPolicy.defaults()), -1, List.of(ComputeDevice.CPU),
        Duration.ofSeconds(30));
  }

  public ServerConfig withPort(int p) {
    return new ServerConfig(host, p, engine, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, preload, batching,
        metricsPort, devices, unloadGrace);
  }

  public ServerConfig withHost(String h) {
    return new ServerConfig(h, port, engine, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, preload, batching,
        metricsPort, devices, unloadGrace);
  }

  public ServerConfig withEngine(EngineKind e) {
    return new ServerConfig(host, port, e, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, preload, batching,
        metricsPort, devices, unloadGrace);
  }

  public ServerConfig withMaxRowsPerRequest(int rows) {
    return new ServerConfig(host, port, engine, rows, maxMessageBytes, maxArtifactBytes, preload, batching, metricsPort,
        devices, unloadGrace);
  }

  public ServerConfig withPreload(boolean p) {
    return new ServerConfig(host, port, engine, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, p, batching,
        metricsPort, devices, unloadGrace);
  }

  public ServerConfig withBatching(BatchingConfig b) {
    return new ServerConfig(host, port, engine, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, preload, b,
        metricsPort, devices, unloadGrace);
  }

  public ServerConfig withMetricsPort(int p) {
    return new ServerConfig(host, port, engine, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, preload, batching,
        p, devices, unloadGrace);
  }

  public ServerConfig withDevices(List<ComputeDevice> d) {
    return new ServerConfig(host, port, engine, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, preload, batching,
        metricsPort, d, unloadGrace);
  }

  public ServerConfig withUnloadGrace(Duration g) {
    return new ServerConfig(host, port, engine, maxRowsPerRequest, maxMessageBytes, maxArtifactBytes, preload, batching,
        metricsPort, devices, g);
  }
}
