package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.AliasInfo;
import dev.aeserve.proto.v1.ModelDetails;
import dev.aeserve.proto.v1.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code aeserve models list|show}. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List and inspect models.",
    subcommands = {ModelsCommand.List.class, ModelsCommand.Show.class})
final class ModelsCommand {

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List models.")
  static final class List implements Runnable {
    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      try (AeserveClient client = server.connect()) {
        java.util.List<ModelInfo> models = client.listModels();
        if (output.json()) {
          System.out.println(OutputOption.json(models));
          return;
        }
        System.out.println(Table.row("NAME", "FAMILY", "CREATED", "DESCRIPTION"));
        for (ModelInfo m : models) {
          System.out.println(Table.row(m.getName(), m.getFamily(), Table.time(m.getCreatedAt()), m.getDescription()));
        }
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a model with its versions and aliases.")
  static final class Show implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      try (AeserveClient client = server.connect()) {
        ModelDetails d = client.getModel(name);
        if (output.json()) {
          System.out.println(OutputOption.json(d));
          return;
        }
        System.out.println("model:       " + d.getModel().getName());
        System.out.println("family:      " + d.getModel().getFamily());
        System.out.println("description: " + d.getModel().getDescription());
        System.out.println("created:     " + Table.time(d.getModel().getCreatedAt()));
        System.out.println("aliases:");
        for (AliasInfo a : d.getAliasesList()) {
          System.out.println("  " + a.getAlias() + " -> " + a.getVersion());
        }
        System.out.println("versions:");
        VersionsCommand.print(d.getVersionsList());
      }
    }
  }
}
