package dev.aeserve.bench;

import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.server.AeServer;
import dev.aeserve.server.ServerConfig;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The server under test, in a process of its own so that its memory and CPU are measured alone:
 * an embedded Postgres, an aeserve server on loopback with the benchmark's batch policies, and
 * the echo service beside it. Writes "grpcPort metricsPort dbReadyToServingNanos" to the port
 * file, then serves until its standard input closes.
 *
 * <p>Usage: {@code BenchServer PORT_FILE ENGINE [DATA_DIR [preload|lazy [BUDGET_BYTES]]]}. With a
 * data directory the server starts on the registry already there, preloading its models before it
 * writes the port file (the start-to-SERVING figure) unless told {@code lazy} (many_models: every
 * version loads on its first call, under the budget); without one it starts on a fresh, empty
 * registry.
 */
public final class BenchServer {

  static final BatchPolicy DEFAULT_POLICY = BatchPolicy.defaults();
  /** A short queue for the overload figures: a waiting request never sits behind more than ~4 batches. */
  static final BatchPolicy GUARDED_POLICY = new BatchPolicy(64, Duration.ofMillis(2), 256, List.of());

  private BenchServer() {}

  public static void main(String[] args) throws Exception {
    Path portFile = Path.of(args[0]);
    EngineKind engine = EngineKind.parse(args[1]);
    boolean existing = args.length > 2;
    boolean preload = existing && (args.length < 4 || args[3].equals("preload"));
    long budget = args.length > 4 ? Long.parseLong(args[4]) : 0;
    Path dir = existing ? Path.of(args[2]) : Files.createTempDirectory("aeserve-bench-db");
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(preload).withEngine(engine).withMetricsPort(0)
        .withModelMemoryBudgetBytes(budget)
        .withBatching(BatchingConfig.of(DEFAULT_POLICY)
            .withOverride(BenchModels.LARGE_UNBATCHED, BatchPolicy.unbatched())
            .withOverride(BenchModels.LARGE_ONNX_UNBATCHED, BatchPolicy.unbatched())
            .withOverride(BenchModels.LARGE_GUARDED, GUARDED_POLICY));
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir);
        Database db = Database.open(pg.jdbcUrl(), EmbeddedDatabase.USER, null);
        PostgresModelRegistry registry = new PostgresModelRegistry(db)) {
      // From here the database is ready: what the server itself takes to reach SERVING.
      long dbReady = System.nanoTime();
      NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
      builder.addService(EchoService.definition());
      try (AeServer server = AeServer.start(builder, registry, config)) {
        long serving = System.nanoTime() - dbReady;
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, server.port() + " " + server.metricsPort() + " " + serving);
        Files.move(tmp, portFile);
        while (System.in.read() != -1) {
          // serve until the parent closes our stdin (or dies)
        }
      }
    }
  }
}
