package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command the CLI has, against the test that runs it against a real server. A command added
 * later has no row here and fails this test until it has one, and a test to name in it.
 */
class CommandCoverageTest {

  /** Command path to the suite that runs it through {@link Main#run}, or the script that does. */
  private static final Map<String, String> TESTED_BY = Map.ofEntries(
      Map.entry("serve", "DrainTest, FleetTest, InvalidConfigTest (a server process)"),
      Map.entry("demo", "clients/test-all (./aeserve demo --generated, its printed commands run as pasted)"),
      Map.entry("train", "CommandLineTest, FamilyCommandsTest"),
      Map.entry("import", "ImportCommandTest"),
      Map.entry("export", "ExportCommandTest"),
      Map.entry("models", "CommandLineTest"),
      Map.entry("models list", "CommandLineTest, FirstTenMinutesTest"),
      Map.entry("models show", "CommandLineTest, FirstTenMinutesTest"),
      Map.entry("versions", "RolloutCommandsTest"),
      Map.entry("versions list", "CommandLineTest, FirstTenMinutesTest"),
      Map.entry("versions archive", "RolloutCommandsTest"),
      Map.entry("alias", "RolloutCommandsTest"),
      Map.entry("alias set", "CommandLineTest, RolloutCommandsTest"),
      Map.entry("alias delete", "RolloutCommandsTest"),
      Map.entry("events", "CommandLineTest, FirstTenMinutesTest"),
      Map.entry("encode", "CommandLineTest"),
      Map.entry("decode", "CommandLineTest"),
      Map.entry("reconstruct", "CommandLineTest, FamilyCommandsTest"),
      Map.entry("sample", "FamilyCommandsTest"),
      Map.entry("denoise", "FamilyCommandsTest"),
      Map.entry("recommend", "FamilyCommandsTest, FirstTenMinutesTest"),
      Map.entry("calibrate", "FamilyCommandsTest"),
      Map.entry("evaluate", "FamilyCommandsTest"),
      Map.entry("traffic", "RolloutCommandsTest"),
      Map.entry("traffic set", "RolloutCommandsTest, FirstTenMinutesTest"),
      Map.entry("traffic show", "RolloutCommandsTest"),
      Map.entry("traffic compare", "RolloutCommandsTest"),
      Map.entry("promote", "RolloutCommandsTest"),
      Map.entry("rollback", "RolloutCommandsTest"),
      Map.entry("migrate", "TokenAndMigrateCommandsTest"),
      Map.entry("token", "TokenAndMigrateCommandsTest"),
      Map.entry("token create", "TokenAndMigrateCommandsTest"),
      Map.entry("token list", "TokenAndMigrateCommandsTest"),
      Map.entry("token revoke", "TokenAndMigrateCommandsTest"),
      Map.entry("completion", "FirstTenMinutesTest"),
      Map.entry("help", "picocli's own"));

  @Test
  void everyCommandHasATest() {
    Map<String, CommandLine> commands = new TreeMap<>();
    collect(new CommandLine(new Main()), "", commands);
    assertThat(commands).as("the CLI's commands").hasSizeGreaterThan(30);
    assertThat(new TreeSet<>(commands.keySet())).as("commands without a row in CommandCoverageTest.TESTED_BY")
        .isSubsetOf(TESTED_BY.keySet());
    assertThat(new TreeSet<>(TESTED_BY.keySet())).as("rows for commands the CLI does not have")
        .isSubsetOf(commands.keySet());
  }

  @Test
  void everyNamedTestClassExists() {
    for (String suites : TESTED_BY.values()) {
      for (String suite : suites.split(", ")) {
        String name = suite.split(" ")[0];
        if (name.endsWith("Test")) {
          assertThat(exists("dev.aeserve.cli." + name)).as(name).isTrue();
        }
      }
    }
  }

  private static boolean exists(String className) {
    try {
      Class.forName(className);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static void collect(CommandLine command, String prefix, Map<String, CommandLine> into) {
    for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
      // Aliases name the same command twice; the command's own name is the one listed.
      if (!sub.getKey().equals(sub.getValue().getCommandName())) {
        continue;
      }
      String path = prefix.isEmpty() ? sub.getKey() : prefix + " " + sub.getKey();
      into.put(path, sub.getValue());
      collect(sub.getValue(), path, into);
    }
  }
}
