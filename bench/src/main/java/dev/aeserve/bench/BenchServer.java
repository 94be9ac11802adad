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
 * <p>Usage: {@code BenchServer PORT_FILE ENGINE DATA_DIR fresh|preload|lazy BUDGET_BYTES}. The
 * embedded registry lives in DATA_DIR: {@code fresh} makes a new, empty one there (the parent
 * gives a folder inside its own scratch directory, which it deletes); {@code preload} starts on the
 * registry already there, loading its routed versions before it writes the port file (the
 * start-to-SERVING figure); {@code lazy} starts on it with nothing loaded (many_models: every
 * version loads on its first call, under the budget). BUDGET_BYTES is {@code
 * --model-memory-budget}, 0 for none.
 */
public final class BenchServer {

  static final BatchPolicy DEFAULT_POLICY = BatchPolicy.defaults();
  /** A short queue for the overload figures: a waiting request never sits behind more than ~4 batches. */
  static final BatchPolicy GUARDED_POLICY = new BatchPolicy(64, Duration.ofMillis(2), 256, List.of());
  /**
   * The batching gain's baseline: every request alone, and no refusal by predicted wait. With the
   * default max_queue_wait (20 ms) the baseline refused most of its 64 callers' calls, so its
   * throughput counted only the calls it served while the one core also spent time refusing the
   * rest, and the gain came out inflated. An hour can never be reached in a run: 64 one-row
   * callers queue at most 64 rows, which would take an hour only below 64 rows per hour. The row
   * cap (8192) is not reached either.
   */
  static final BatchPolicy UNBATCHED_POLICY = BatchPolicy.unbatched().withMaxQueueWait(Duration.ofHours(1));

  /** The folder name {@link ServerProcess} gives a fresh registry inside its scratch directory. */
  static final String FRESH_DATABASE = "db";

  private BenchServer() {}

  public static void main(String[] args) throws Exception {
    Path portFile = Path.of(args[0]);
    EngineKind engine = EngineKind.parse(args[1]);
    Path dir = Path.of(args[2]);
    boolean preload = args[3].equals("preload");
    long budget = Long.parseLong(args[4]);
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(preload).withEngine(engine).withMetricsPort(0)
        .withModelMemoryBudgetBytes(budget)
        .withBatching(BatchingConfig.of(DEFAULT_POLICY)
            .withOverride(BenchModels.LARGE_UNBATCHED, UNBATCHED_POLICY)
            .withOverride(BenchModels.LARGE_ONNX_UNBATCHED, UNBATCHED_POLICY)
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
