package dev.aeserve.server;

import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.proto.oip.GRPCInferenceServiceGrpc;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.registry.ApiTokens;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.console.Console;
import dev.aeserve.server.grpc.Actor;
import dev.aeserve.server.grpc.AutoencoderService;
import dev.aeserve.server.grpc.CallExecutors;
import dev.aeserve.server.grpc.DeadlineBoundRegistry;
import dev.aeserve.server.grpc.OpenInferenceService;
import dev.aeserve.server.grpc.RegistryService;
import dev.aeserve.server.grpc.RequestLog;
import dev.aeserve.server.grpc.RolloutService;
import dev.aeserve.server.grpc.UnparseableRequests;
import dev.aeserve.server.inference.Inference;
import dev.aeserve.server.metrics.ServingMetrics;
import dev.aeserve.server.rollout.QualityGates;
import dev.aeserve.server.rollout.Rollouts;
import dev.aeserve.server.rollout.ShadowComparisons;
import dev.aeserve.server.rollout.ShadowRunner;
import dev.aeserve.server.rollout.VersionLifecycle;
import dev.aeserve.server.rollout.VersionWarmup;
import dev.aeserve.server.routing.VersionResolver;
import dev.aeserve.server.runtime.Admission;
import dev.aeserve.server.runtime.LoadedModels;
import dev.aeserve.server.runtime.RequestLimits;
import dev.aeserve.server.runtime.ModelRuntime;
import dev.aeserve.server.runtime.UploadValidator;
import dev.aeserve.server.security.AuthMode;
import dev.aeserve.server.security.BearerAuthInterceptor;
import dev.aeserve.server.security.BearerTokens;
import dev.aeserve.server.security.TlsConfig;
import dev.aeserve.server.security.TlsKeyPair;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aeserve gRPC server: the Autoencoder and ModelRegistry services, the Open Inference Protocol
 * (KServe v2) beside them on the same port, gRPC health (overall, and one entry per model name) and
 * server reflection, over a model registry.
 *
 * <p>It takes a {@link ServerBuilder} so that tests hand it an in-process one. It owns the model
 * runtime and the routing cache; the registry belongs to the caller. Closing stops intake, lets
 * in-flight calls finish for a grace period, then unloads the models.
 *
 * <p>Every call passes the {@link RequestLog} (request id, one log line per call) and, when
 * authentication is on, the {@link BearerAuthInterceptor}; health and reflection stay open. Request
 * bytes that do not parse are refused with INVALID_ARGUMENT ({@link UnparseableRequests}).
 */
public final class AeServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AeServer.class);

  private final ModelRegistry registry;
  private final DeadlineBoundRegistry bounded;
  private final HealthStatusManager health = new HealthStatusManager();
  private final VersionResolver resolver;
  private final ModelRuntime runtime;
  private final ServingMetrics metrics;
  private final ShadowRunner shadows;
  private final QualityGates gates;
  private final VersionLifecycle lifecycle;
  private final Inference inference;
  private final Server server;
  private final RequestLog requestLog = new RequestLog(Ticker.SYSTEM);
  private final Duration drainGrace;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Console.Services consoleServices;
  private final CallExecutors executors;
  private Server healthServer;
  private Console console;
  private int metricsPort = -1;

  private AeServer(ServerBuilder<?> builder, ModelRegistry database, ApiTokens tokens, ServerConfig config) {
    // Every registry call made for a caller answers within its deadline or the budget (2 s by
    // default); artifacts load from the registry as given, since a load is shared by every call waiting on it.
    this.bounded = new DeadlineBoundRegistry(database, config.registryCallBudget());
    ModelRegistry registry = bounded.registry();
    this.registry = registry;
    this.drainGrace = config.drainGrace();
    this.resolver = new VersionResolver(registry);
    this.metrics = new ServingMetrics();
    metrics.routingStateAge(resolver::stateAgeSeconds);
    this.runtime = new LoadedModels(database, config.engine(), config.devices(), config.batching(),
        config.modelMemoryBudgetBytes(), metrics, Ticker.SYSTEM);
    Admission admission = new Admission(new RequestLimits(config.maxRowsPerRequest()));
    ShadowComparisons comparisons = new ShadowComparisons();
    this.shadows = new ShadowRunner(resolver, runtime, comparisons, admission, 2, 256);
    this.gates = new QualityGates(registry);
    BearerAuthInterceptor auth = config.authEnabled() && tokens != null ? new BearerAuthInterceptor(tokens) : null;
    this.executors = new CallExecutors(auth == null ? h -> true : auth::answersFromMemory);
    this.inference = new Inference(resolver, runtime, admission, shadows, gates, executors.mayBlock());
    this.lifecycle = new VersionLifecycle(registry, runtime, config.unloadGrace());
    Rollouts rollouts = new Rollouts(registry, new VersionWarmup(registry, runtime));
    this.consoleServices = new Console.Services(registry, inference, metrics, rollouts, comparisons, gates,
        runtime::loaded, config.authEnabled() && tokens != null ? new BearerTokens(tokens) : null);
    if (config.authEnabled()) {
      if (tokens == null) {
        throw new IllegalArgumentException("authentication is on but the server was given no token store");
      }
      // Added before the request log, so it runs after it: refused calls are logged too.
      builder.intercept(auth);
    }
    // Inference calls run on the transport thread, everything else on an owned pool (CallExecutors).
    builder.executor(com.google.common.util.concurrent.MoreExecutors.directExecutor()).callExecutor(executors);
    this.server = builder
        .intercept(requestLog)
        .maxInboundMessageSize(config.maxMessageBytes())
        .addService(UnparseableRequests.refuse(ServerInterceptors.intercept(
            new AutoencoderService(inference, metrics, Ticker.SYSTEM), Actor.interceptor())))
        .addService(UnparseableRequests.refuse(ServerInterceptors.intercept(
            new OpenInferenceService(inference, metrics, Ticker.SYSTEM), Actor.interceptor())))
        .addService(UnparseableRequests.refuse(ServerInterceptors.intercept(
            new RegistryService(registry, new UploadValidator(config.engine(), config.batching()), rollouts,
                config.maxArtifactBytes()),
            Actor.interceptor())))
        .addService(UnparseableRequests.refuse(
            ServerInterceptors.intercept(new RolloutService(registry, rollouts, comparisons), Actor.interceptor())))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .build();
    health.setStatus("", ServingStatus.NOT_SERVING);
  }

  /** Starts on a TCP port as the config says, without a token store: for servers without authentication. */
  public static AeServer start(ModelRegistry registry, ServerConfig config) {
    return start(registry, null, config);
  }

  /**
   * Starts on a TCP port as the config says (TLS when it names certificates), preloading models
   * first if it asks to. {@code tokens} may be null when authentication is off.
   */
  public static AeServer start(ModelRegistry registry, ApiTokens tokens, ServerConfig config) {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()));
    if (config.maxConnectionAge() != null) {
      // Clients balancing round-robin over DNS learn of new replicas only when they reconnect.
      builder.maxConnectionAge(config.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionAgeGrace(config.drainGrace().toMillis(), TimeUnit.MILLISECONDS);
    }
    TlsConfig tls = config.security().tls();
    if (tls != null) {
      builder.sslContext(sslContext(tls));
    }
    return start(builder, registry, tokens, config);
  }

  /** Starts on the given builder: a Netty one, or an in-process one in tests. */
  public static AeServer start(ServerBuilder<?> builder, ModelRegistry registry, ServerConfig config) {
    return start(builder, registry, null, config);
  }

  /** Starts on the given builder with a token store for authentication (null when it is off). */
  public static AeServer start(ServerBuilder<?> builder, ModelRegistry registry, ApiTokens tokens, ServerConfig config) {
    long t0 = System.nanoTime();
    EngineStart engineStart = EngineStart.begin(config.engine());
    requireDevices(config);
    AeServer s = new AeServer(builder, registry, tokens, config);
    long built = System.nanoTime();
    // The preload reads the registry and builds engine models while the ports are bound and the
    // other endpoints start: on a machine with a second core the two overlap. SERVING still waits
    // for both: until then health says NOT_SERVING and inference is not ready. Without a preload
    // nothing waits: the first call's load does.
    Preload preload = config.preload() ? Preload.begin(s.registry, s.resolver, s.runtime, s.health, engineStart) : null;
    try {
      s.server.start();
    } catch (IOException e) {
      if (preload != null) {
        preload.stop();
      }
      s.executors.close();
      s.runtime.close();
      s.resolver.close();
      s.bounded.close();
      throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port() + ": " + rootMessage(e)
          + "; is another server on that port? choose another --port (0 picks a free one)", e);
    }
    if (config.security().healthPort() >= 0) {
      s.serveHealth(config);
    }
    if (!config.authEnabled() && !AuthMode.isLoopback(config.host())) {
      log.warn("authentication is OFF (--auth off) on {}: anyone who can reach port {} can call every RPC and change"
          + " the registry", config.host(), s.port());
    }
    if (config.metricsPort() >= 0) {
      s.metricsPort = s.metrics.serve(config.metricsPort());
    }
    if (config.consolePort() >= 0) {
      try {
        s.console = Console.start(config.host(), config.consolePort(), s.consoleServices);
      } catch (UncheckedIOException e) {
        if (preload != null) {
          preload.stop();
        }
        s.close();
        throw e;
      }
    }
    long listening = System.nanoTime();
    if (preload != null) {
      try {
        preload.await();
      } catch (RuntimeException | Error e) {
        // The server already listens: close it before the start fails.
        s.close();
        throw e;
      }
    }
    long preloaded = System.nanoTime();
    s.inference.ready();
    s.health.setStatus("", ServingStatus.SERVING);
    s.health.setStatus(AutoencoderGrpc.SERVICE_NAME, ServingStatus.SERVING);
    s.health.setStatus(GRPCInferenceServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    log.info("aeserve listening on {}:{} ({} engine, {}, authentication {})", config.host(), s.port(),
        config.engine().djlName(), transport(config),
        config.authEnabled() ? "on" : "off");
    // Where the start went: a slow start is nearly always the preload (see its own line). The
    // preload starts with the binding, so its figure here is what was left of it after the ports.
    log.info("SERVING {} ms after start: services built {} ms, ports bound {} ms, then the preload {} ms more",
        (System.nanoTime() - t0) / 1_000_000, (built - t0) / 1_000_000, (listening - built) / 1_000_000,
        (preloaded - listening) / 1_000_000);
    return s;
  }

  private static String transport(ServerConfig config) {
    TlsConfig tls = config.security().tls();
    return tls == null ? "plaintext" : tls.mutual() ? "mutual TLS" : "TLS";
  }

  /** A plaintext port that serves grpc.health.v1 alone, for probes that cannot speak TLS. */
  private void serveHealth(ServerConfig config) {
    int port = config.security().healthPort();
    try {
      healthServer = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), port))
          .addService(health.getHealthService())
          .build()
          .start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot listen on " + config.host() + ":" + port + " for --health-port: "
          + rootMessage(e) + "; choose another --health-port", e);
    }
  }

  /** Fails, with what to change, when the TLS files cannot make a server context. */
  public static void checkTls(TlsConfig tls) {
    sslContext(tls);
  }

  private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext(TlsConfig tls) {
    try {
      TlsKeyPair.requireMatching(tls.certificateChain(), tls.privateKey());
      SslContextBuilder ssl = GrpcSslContexts.forServer(tls.certificateChain().toFile(), tls.privateKey().toFile());
      if (tls.mutual()) {
        ssl.trustManager(tls.clientCa().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      return ssl.build();
    } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("cannot use --tls-cert " + tls.certificateChain() + " with --tls-key "
          + tls.privateKey() + (tls.mutual() ? " and --tls-client-ca " + tls.clientCa() : "") + ": " + rootMessage(e)
          + "; give PEM files: the certificate chain, its PKCS#8 private key (openssl pkcs8 -topk8 -nocrypt converts"
          + " others) and, for mutual TLS, the client CA certificates", e);
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable cur = t;
    while (cur.getCause() != null && cur.getCause() != cur) {
      cur = cur.getCause();
    }
    return cur.getMessage() == null ? cur.toString() : cur.getMessage();
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

  public int port() {
    return server.getPort();
  }

  /** Port of the plaintext health server, or -1 when there is none. */
  public int healthPort() {
    return healthServer == null ? -1 : healthServer.getPort();
  }

  /** Port of the Prometheus endpoint, or -1 when metrics are not served over HTTP. */
  public int metricsPort() {
    return metricsPort;
  }

  /** Port of the web console, or -1 when it is off. */
  public int consolePort() {
    return console == null ? -1 : console.port();
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  /** The quality gates' verdicts, for tests that wait for the gate to have judged. */
  QualityGates qualityGates() {
    return gates;
  }

  public Set<String> loadedVersions() {
    return runtime.loaded();
  }

  /** Keys ("model:version") of the versions aliases and splits pin under the model memory budget. */
  public Set<String> pinnedVersions() {
    return runtime.pinned();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Drains and stops: health turns NOT_SERVING, new calls are refused with UNAVAILABLE (gRPC's
   * graceful shutdown: a GOAWAY, then new streams are refused), in-flight calls get the drain
   * grace to finish and are cancelled after it; then models unload. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    log.info("draining: health NOT_SERVING, refusing new calls, {} in flight, up to {} ms grace",
        requestLog.inFlight(), drainGrace.toMillis());
    server.shutdown();
    try {
      if (!server.awaitTermination(drainGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("drain grace of {} ms passed with {} calls in flight; cancelling them", drainGrace.toMillis(),
            requestLog.inFlight());
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    executors.close();
    if (healthServer != null) {
      healthServer.shutdownNow();
    }
    if (console != null) {
      console.close();
    }
    log.info("drained; unloading models");
    lifecycle.close();
    shadows.close();
    gates.close();
    resolver.close();
    runtime.close();
    bounded.close();
    metrics.close();
  }
}
