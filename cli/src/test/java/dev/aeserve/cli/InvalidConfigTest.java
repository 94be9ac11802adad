package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server process given a bad configuration exits 1 at once with one line, {@code aeserve: ...},
 * that names what to fix, and no stack trace.
 */
class InvalidConfigTest {

  @TempDir
  Path dir;

  private record Result(int exit, String stderr) {}

  private Result serve(String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "serve", "--data-dir", dir.resolve("pg").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    return new Result(p.exitValue(), err);
  }

  private static void assertOneLine(Result r, String... fragments) {
    assertThat(r.exit()).as("exit status; stderr:\n" + r.stderr()).isEqualTo(1);
    List<String> lines = r.stderr().lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as("stderr").hasSize(1);
    assertThat(lines.get(0)).startsWith("aeserve: ").contains(fragments);
  }

  @Test
  void aPortOutOfRange() throws Exception {
    assertOneLine(serve("--port", "70000"), "port must be in [0, 65535]", "70000");
  }

  @Test
  void anUnreadableCertificate() throws Exception {
    assertOneLine(serve("--tls-cert", dir.resolve("missing.pem").toString(), "--tls-key",
        dir.resolve("missing.key").toString()), "cannot read --tls-cert", "no such file", "PEM");
  }

  @Test
  void anUnreachableDatabase() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertOneLine(serve("--db-url", "jdbc:postgresql://127.0.0.1:" + closed + "/aeserve"),
        "cannot open the registry database", "check --db-url", "reachable");
  }

  @Test
  void anUnknownAuthMode() throws Exception {
    assertOneLine(serve("--auth", "maybe"), "--auth must be auto, required or off");
  }
}
