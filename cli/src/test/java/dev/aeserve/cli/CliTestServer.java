package dev.aeserve.cli;

import dev.aeserve.registry.Database;
import dev.aeserve.registry.PostgresApiTokens;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.AeServer;
import dev.aeserve.server.ServerConfig;
import dev.aeserve.server.security.AuthMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A real server on a loopback port (fresh database on the shared embedded Postgres) and a way to
 * run the command line against it, capturing what it prints.
 */
final class CliTestServer implements AutoCloseable {

  /** What a command line run returned and printed. */
  record Result(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    /**
     * The one line a refused command printed: exit code 1 and one line on stderr (the server shares
     * this JVM, so its log lines share stderr; the command's line is the one that starts "aeserve").
     */
    String refusal(String... args) {
      org.assertj.core.api.Assertions.assertThat(code).as(String.join(" ", args) + " printed " + out + err)
          .isEqualTo(1);
      List<String> lines = err.lines().filter(l -> l.startsWith("aeserve")).toList();
      org.assertj.core.api.Assertions.assertThat(lines).as(err).hasSize(1);
      return lines.get(0);
    }
  }

  /** Rows as a CSV file's text, one row per line. */
  static String csv(float[][] rows) {
    StringBuilder sb = new StringBuilder();
    for (float[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        sb.append(i == 0 ? "" : ",").append(row[i]);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private final String databaseUrl = TestPostgres.freshDatabaseUrl();
  private final Database database = Database.open(databaseUrl);
  private final PostgresModelRegistry registry = new PostgresModelRegistry(database);
  private final AeServer server;

  /** A server as on loopback by default: without authentication. */
  CliTestServer() {
    this(AuthMode.AUTO);
  }

  /** A server with authentication as given; tokens live in its registry database ({@link #databaseUrl}). */
  CliTestServer(AuthMode auth) {
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false);
    server = AeServer.start(registry, new PostgresApiTokens(database),
        config.withSecurity(config.security().withAuth(auth)));
  }

  String target() {
    return "127.0.0.1:" + server.port();
  }

  /** The JDBC URL of this server's registry database, for commands that take {@code --db-url}. */
  String databaseUrl() {
    return databaseUrl;
  }

  /** Runs the command line as given, capturing stdout and stderr. */
  static Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Main.run(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** Runs the command line with {@code --server} pointing at this server. */
  Result call(String... args) {
    String[] withServer = Arrays.copyOf(args, args.length + 2);
    withServer[args.length] = "--server";
    withServer[args.length + 1] = target();
    return run(withServer);
  }

  @Override
  public void close() {
    server.close();
    registry.close();
    database.close();
  }
}
