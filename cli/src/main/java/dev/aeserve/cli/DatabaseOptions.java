package dev.aeserve.cli;

import dev.aeserve.registry.DatabaseTimeouts;
import dev.aeserve.server.batching.BatchingConfig;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the registry lives: an external Postgres, or the embedded one in a data directory. */
final class DatabaseOptions {

  @Option(names = "--db-url", paramLabel = "JDBC_URL",
      description = "External Postgres, e.g. jdbc:postgresql://db:5432/aeserve. Default: the embedded Postgres.")
  String dbUrl;

  @Option(names = "--db-user", paramLabel = "USER", defaultValue = "${env:AESERVE_DB_USER}",
      description = "User for --db-url (or AESERVE_DB_USER).")
  String dbUser;

  @Option(names = "--db-password", paramLabel = "PASSWORD", defaultValue = "${env:AESERVE_DB_PASSWORD}",
      description = "Password for --db-url (or AESERVE_DB_PASSWORD).")
  String dbPassword;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:AESERVE_DATA_DIR}",
      description = "Embedded Postgres data directory; survives restarts (default: ~/.aeserve/postgres).")
  Path dataDir;

  @Option(names = "--db-connect-timeout", paramLabel = "DURATION", defaultValue = "2s",
      description = "Longest wait for a database connection (default: ${DEFAULT-VALUE}); registry calls answer"
          + " UNAVAILABLE after it when the database is down.")
  String dbConnectTimeout;

  @Option(names = "--db-statement-timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "Longest time one SQL statement may run (default: ${DEFAULT-VALUE}).")
  String dbStatementTimeout;

  DatabaseTimeouts timeouts() {
    return new DatabaseTimeouts(duration("--db-connect-timeout", dbConnectTimeout),
        duration("--db-statement-timeout", dbStatementTimeout));
  }

  int poolSize() {
    return 10;
  }

  private static Duration duration(String option, String text) {
    try {
      return BatchingConfig.parseDuration(text);
    } catch (IllegalArgumentException e) {
      throw new CliException(option + ": " + e.getMessage());
    }
  }

  Path dataDirOrDefault() {
    return dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".aeserve", "postgres");
  }
}
