package dev.aeserve.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code aeserve} command. */
@Command(
    name = "aeserve",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "gRPC model serving for autoencoders.",
    subcommands = {
        ServeCommand.class,
        DemoCommand.class,
        TrainCommand.class,
        ImportCommand.class,
        ExportCommand.class,
        ModelsCommand.class,
        VersionsCommand.class,
        AliasCommand.class,
        EventsCommand.class,
        InferenceCommands.Encode.class,
        InferenceCommands.Decode.class,
        InferenceCommands.Reconstruct.class,
        SampleCommand.class,
        DenoiseCommand.class,
        RecommendCommand.class,
        CalibrateCommand.class,
        EvaluateCommand.class,
        RolloutCommands.Traffic.class,
        RolloutCommands.Promote.class,
        RolloutCommands.Rollback.class,
        MigrateCommand.class,
        TokenCommand.class,
        CompletionCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests). */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(Main::report)
        .execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The project version Maven wrote into version.properties, so it never goes stale. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws java.io.IOException {
      java.util.Properties p = new java.util.Properties();
      try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"aeserve " + p.getProperty("version", "(unknown version)")};
    }
  }

  /** Errors a user can act on get one line, not a stack trace. */
  private static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    // Our own exceptions carry messages written for people; anything else is a bug worth a trace.
    java.util.Optional<String> unreachable = UnreachableServer.explain(e, cmd);
    if (unreachable.isPresent()) {
      cmd.getErr().println("aeserve: " + unreachable.get());
      return 1;
    }
    boolean expected = e.getClass().getName().startsWith("dev.aeserve.") || e instanceof IllegalArgumentException;
    String message = expected ? e.getMessage() : null;
    if (message == null) {
      cmd.getErr().println("aeserve: " + e);
      e.printStackTrace(cmd.getErr());
    } else {
      cmd.getErr().println("aeserve: " + message);
    }
    return 1;
  }
}
