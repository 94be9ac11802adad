package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.AliasInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code aeserve alias set|delete}. */
@Command(name = "alias", mixinStandardHelpOptions = true, description = "Point aliases at versions.",
    subcommands = {AliasCommand.Set.class, AliasCommand.Delete.class})
final class AliasCommand {

  @Command(name = "set", mixinStandardHelpOptions = true, description = "Create or move an alias.")
  static final class Set implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "ALIAS")
    String alias;

    @Parameters(index = "2", paramLabel = "VERSION")
    int version;

    @Mixin
    ServerOption server;

    @Override
    public void run() {
      try (AeserveClient client = server.connect()) {
        AliasInfo a = client.setAlias(name, alias, version);
        System.out.println(a.getModel() + "@" + a.getAlias() + " -> " + a.getVersion());
      }
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an alias.")
  static final class Delete implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "ALIAS")
    String alias;

    @Mixin
    ServerOption server;

    @Override
    public void run() {
      try (AeserveClient client = server.connect()) {
        client.deleteAlias(name, alias);
        System.out.println("deleted " + name + "@" + alias);
      }
    }
  }
}
