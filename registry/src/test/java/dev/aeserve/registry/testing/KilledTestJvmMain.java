package dev.aeserve.registry.testing;

/**
 * Run in a child JVM by {@link PostgresReaperTest}: starts the shared test Postgres, prints its
 * postmaster's pid, its directory and its reaper's pid, then waits to be killed the way PIT kills
 * a minion whose mutant timed out (no shutdown hooks).
 */
final class KilledTestJvmMain {

  public static void main(String[] args) throws Exception {
    TestPostgres.freshDatabaseUrl();
    System.out.println("POSTMASTER " + TestPostgres.server().postmasterPid().orElseThrow());
    System.out.println("DIRECTORY " + TestPostgres.server().directory());
    System.out.println("REAPER " + TestPostgres.reaperPid());
    System.out.println("READY");
    System.out.flush();
    Thread.currentThread().join(); // until SIGKILL
  }
}
