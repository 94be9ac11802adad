package dev.aeserve.cli;

import dev.aeserve.registry.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code aeserve migrate}: brings a registry database's schema up to date and exits. Servers
 * migrate on start too; this is for a deployment that runs migrations once, ahead of the servers
 * (the Kubernetes Job in docker/k8s).
 */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Apply the registry's schema migrations and exit.")
final class MigrateCommand implements Runnable {

  @Option(names = "--db-url", required = true, paramLabel = "JDBC_URL", description = "The Postgres to migrate.")
  String dbUrl;

  @Option(names = "--db-user", defaultValue = "${env:AESERVE_DB_USER}", description = "User (or AESERVE_DB_USER).")
  String dbUser;

  @Option(names = "--db-password", defaultValue = "${env:AESERVE_DB_PASSWORD}",
      description = "Password (or AESERVE_DB_PASSWORD).")
  String dbPassword;

  @Override
  public void run() {
    // Two connections: on a database without a schema, Flyway holds one while it creates its
    // history table on another, and a pool of one timed out there (TokenAndMigrateCommandsTest).
    try (Database db = Database.open(dbUrl, dbUser, dbPassword, 2)) {
      System.out.println("registry schema at " + dbUrl + " is up to date");
    } catch (RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      throw new CliException("cannot migrate " + dbUrl + ": " + root.getMessage(), e);
    }
  }
}
