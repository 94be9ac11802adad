package dev.aeserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.EngineKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real benchmark server process (its own JVM, embedded Postgres, aeserve on loopback): closing it
 * leaves no scratch directory, no registry data and no postmaster behind, and keeps its log.
 */
class ServerProcessTest {

  @TempDir
  Path results;

  @Test
  void closingStopsItsPostgresKeepsItsLogAndDeletesItsScratchDirectory() throws Exception {
    Path keptLog = results.resolve("logs").resolve("server.log");
    Path scratch;
    long postmaster;
    try (ServerProcess server = ServerProcess.start(ServerProcess.Options.fresh(EngineKind.MXNET, Pinning.NONE)
        .keepingLogAs(keptLog))) {
      scratch = server.scratch();
      assertThat(scratch.toString()).startsWith(System.getProperty("java.io.tmpdir"));
      Optional<ProcessHandle> pg = ServerProcess.postmaster(scratch.resolve(BenchServer.FRESH_DATABASE));
      assertThat(pg).isPresent();
      postmaster = pg.get().pid();
      assertThat(server.metrics().value("aeserve_loaded_model_bytes")).isZero();
    }

    assertThat(scratch).doesNotExist();
    Optional<ProcessHandle> left = ProcessHandle.of(postmaster).filter(ProcessHandle::isAlive);
    assertThat(left).isEmpty();
    assertThat(Files.readString(keptLog)).contains("aeserve listening on");
  }
}
