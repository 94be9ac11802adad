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
      // The heap's share of the RSS is found through the JVM's own account of its address range.
      ServerProcess.Resident resident = server.resident();
      assertThat(resident.heapMib()).isPositive().isLessThanOrEqualTo(ServerProcess.SERVER_HEAP_MIB);
      assertThat(resident.nativeMib()).isPositive();
      // One smaps read sums to what the kernel's own VmRSS says, within pages touched in between.
      assertThat(resident.mib()).isCloseTo(server.rssMib(), org.assertj.core.data.Offset.offset(8.0));
    }

    assertThat(scratch).doesNotExist();
    Optional<ProcessHandle> left = ProcessHandle.of(postmaster).filter(ProcessHandle::isAlive);
    assertThat(left).isEmpty();
    assertThat(Files.readString(keptLog)).contains("aeserve listening on");
  }

  @Test
  void theHeapRangeIsReadForG1AndForTheSerialCollector() throws Exception {
    String g1 = """
        3775:
         garbage-first heap   total 262144K, used 84521K [0x00000000f0000000, 0x0000000100000000)
          region size 1024K, 51 young (52224K), 3 survivors (3072K)
         Metaspace       used 35158K, committed 35584K, reserved 1114112K
          class space    used 4147K, committed 4352K, reserved 1048576K
        """;
    String serial = """
        3775:
         def new generation   total 78656K, used 27184K [0x00000000f0000000, 0x00000000f5550000, 0x00000000f5550000)
          eden space 69952K,  27% used [0x00000000f0000000, 0x00000000f12cea08, 0x00000000f4450000)
         tenured generation   total 174784K, used 11088K [0x00000000f5550000, 0x0000000100000000, 0x0000000100000000)
           the space 174784K,   6% used [0x00000000f5550000, 0x00000000f6024328, 0x00000000f6024400, 0x0000000100000000)
         Metaspace       used 35158K, committed 35584K, reserved 1114112K
          class space    used 4147K, committed 4352K, reserved 1048576K [0x0000000800000000, 0x0000000840000000)
        """;
    assertThat(ServerProcess.heapRange(g1)).containsExactly(0xf0000000L, 0x100000000L);
    assertThat(ServerProcess.heapRange(serial)).containsExactly(0xf0000000L, 0x100000000L);
  }

  @Test
  void theHeapsShareCountsOnlyTheMappingsInsideTheRange() {
    var smaps = java.util.List.of(
        "00400000-00500000 r-xp 00000000 08:01 1 /usr/bin/java",
        "Size:               1024 kB",
        "Rss:                 700 kB",
        "f0000000-f8000000 rw-p 00000000 00:00 0 ",
        "Size:             131072 kB",
        "Rss:              100000 kB",
        "f8000000-100000000 ---p 00000000 00:00 0 ",
        "Size:             131072 kB",
        "Rss:                   0 kB",
        "100000000-100800000 rw-p 00000000 00:00 0 ",
        "Rss:                 512 kB",
        "VmFlags: rd wr mr mw me ac");
    ServerProcess.Resident resident = ServerProcess.resident(smaps, 0xf0000000L, 0x100000000L);
    assertThat(resident.heapMib()).isEqualTo(100000 / 1024.0);
    assertThat(resident.mib()).isEqualTo((700 + 100000 + 512) / 1024.0);
  }
}
