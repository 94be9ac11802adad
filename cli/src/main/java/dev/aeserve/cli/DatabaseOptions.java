package dev.aeserve.cli;

import java.nio.file.Path;
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

  Path dataDirOrDefault() {
    return dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".aeserve", "postgres");
  }
}
