package dev.aeserve.server;

import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.registry.Alias;
import dev.aeserve.registry.Model;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.grpc.Actor;
import dev.aeserve.server.grpc.AutoencoderService;
import dev.aeserve.server.grpc.MatrixCodec;
import dev.aeserve.server.grpc.RegistryService;
import dev.aeserve.server.grpc.RolloutService;
import dev.aeserve.server.metrics.ServingMetrics;
import dev.aeserve.server.rollout.QualityGates;
import dev.aeserve.server.rollout.ShadowComparisons;
import dev.aeserve.server.rollout.ShadowRunner;
import dev.aeserve.server.rollout.VersionLifecycle;
import dev.aeserve.server.rollout.VersionWarmup;
import dev.aeserve.server.routing.ResolvedVersion;
import dev.aeserve.server.routing.VersionResolver;
import dev.aeserve.server.runtime.LoadedModels;
import dev.aeserve.server.runtime.ModelRuntime;
import dev.aeserve.server.runtime.UploadValidator;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aeserve gRPC server: the Autoencoder and ModelRegistry services, gRPC health (overall, and
 * one entry per model name) and server reflection, over a model registry.
 *
 * <p>It takes a {@link ServerBuilder} so that tests hand it an in-process one. It owns the model
 * runtime and the routing cache; the registry belongs to the caller. Closing stops intake, lets
 * in-flight calls finish for a grace period, then unloads the models.
 */
public final class AeServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AeServer.class);
  private static final Duration GRACE = Duration.ofSeconds(10);

  private final ModelRegistry registry;
  private final HealthStatusManager health = new HealthStatusManager();
  private final VersionResolver resolver;
  private final ModelRuntime runtime;
  private final ServingMetrics metrics;
  private final ShadowRunner shadows;
  private final QualityGates gates;
  private final VersionLifecycle lifecycle;
  private final Server server;
  private int metricsPort = -1;

  private AeServer(ServerBuilder<?> builder, ModelRegistry registry, ServerConfig config) {
    this.registry = registry;
    this.resolver = new VersionResolver(registry);
    this.metrics = new ServingMetrics();
    this.runtime = new LoadedModels(registry, config.engine(), config.devices(), config.batching(), metrics, Ticker.SYSTEM);
    MatrixCodec codec = new MatrixCodec(config.maxRowsPerRequest());
    ShadowComparisons comparisons = new ShadowComparisons();
    this.shadows = new ShadowRunner(resolver, runtime, comparisons, 2, 256);
    this.gates = new QualityGates(registry);
    this.lifecycle = new VersionLifecycle(registry, runtime, config.unloadGrace());
    VersionWarmup warmup = new VersionWarmup(registry, runtime);
    this.server = builder
        .maxInboundMessageSize(config.maxMessageBytes())
        .addService(ServerInterceptors.intercept(new AutoencoderService(resolver, runtime, codec,
            config.maxRowsPerRequest(), metrics, shadows, gates, Ticker.SYSTEM), Actor.interceptor()))
        .addService(ServerInterceptors.intercept(
            new RegistryService(registry, new UploadValidator(config.engine()), warmup, config.maxArtifactBytes()),
            Actor.interceptor()))
        .addService(ServerInterceptors.intercept(new RolloutService(registry, warmup, comparisons), Actor.interceptor()))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .build();
    health.setStatus("", ServingStatus.NOT_SERVING);
  }

  /** Starts on a TCP port as the config says, preloading models first if it asks to. */
  public static AeServer start(ModelRegistry registry, ServerConfig config) {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()));
    return start(builder, registry, config);
  }

  /** Starts on the given builder: a Netty one, or an in-process one in tests. */
  public static AeServer start(ServerBuilder<?> builder, ModelRegistry registry, ServerConfig config) {
    requireDevices(config);
    AeServer s = new AeServer(builder, registry, config);
    try {
      s.server.start();
    } catch (IOException e) {
      s.runtime.close();
      s.resolver.close();
      throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
    }
    if (config.metricsPort() >= 0) {
      s.metricsPort = s.metrics.serve(config.metricsPort());
    }
    if (config.preload()) {
      s.preload();
    }
    s.health.setStatus("", ServingStatus.SERVING);
    s.health.setStatus(AutoencoderGrpc.SERVICE_NAME, ServingStatus.SERVING);
    log.info("aeserve listening on port {} ({} engine)", s.port(), config.engine().djlName());
    return s;
  }

  /** Fails the start, with what to change, when a configured GPU is not there. */
  private static void requireDevices(ServerConfig config) {
    int gpus = -1;
    for (ComputeDevice d : config.devices()) {
      if (d.isGpu()) {
        gpus = gpus < 0 ? Autoencoders.gpuCount(config.engine()) : gpus;
        if (d.gpu() >= gpus) {
          throw new IllegalArgumentException(d + " is configured but " + config.engine().djlName() + " sees " + gpus
              + " GPU(s); see docs/gpu.md");
        }
      }
    }
  }

  /**
   * Loads the versions that calls will reach first: every model's latest READY version and its
   * aliased versions. A model that fails to load is reported NOT_SERVING on its health entry and
   * does not stop the server.
   */
  private void preload() {
    for (Model m : registry.listModels()) {
      Set<ModelRef> refs = new LinkedHashSet<>();
      refs.add(ModelRef.newBuilder().setName(m.name()).build());
      for (Alias a : registry.listAliases(m.name())) {
        refs.add(ModelRef.newBuilder().setName(m.name()).setAlias(a.alias()).build());
      }
      boolean ok = true;
      for (ModelRef ref : refs) {
        try {
          ResolvedVersion v = resolver.resolve(ref);
          runtime.get(v.version());
        } catch (RuntimeException e) {
          ok = false;
          log.warn("cannot preload {}{}: {}", m.name(), ref.hasAlias() ? "@" + ref.getAlias() : "", e.getMessage());
        }
      }
      health.setStatus(m.name(), ok ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }
  }

  public int port() {
    return server.getPort();
  }

  /** Port of the Prometheus endpoint, or -1 when metrics are not served over HTTP. */
  public int metricsPort() {
    return metricsPort;
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  public Set<String> loadedVersions() {
    return runtime.loaded();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    lifecycle.close();
    shadows.close();
    gates.close();
    resolver.close();
    runtime.close();
    metrics.close();
  }
}
