package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.RegistryEvent;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code aeserve events}: the registry's audit log. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Show the registry's audit log, newest first.")
final class EventsCommand implements Runnable {

  @Option(names = "--model", description = "Only this model's events.")
  String model;

  @Option(names = "--limit", defaultValue = "50", description = "At most this many (default: ${DEFAULT-VALUE}).")
  int limit;

  @Mixin
  ServerOption server;

  @Mixin
  OutputOption output;

  @Override
  public void run() {
    try (AeserveClient client = server.connect()) {
      List<RegistryEvent> events = client.listEvents(model, limit);
      if (output.json()) {
        System.out.println(OutputOption.json(events));
        return;
      }
      System.out.println(Table.row("AT", "ACTOR", "ACTION", "MODEL", "VERSION", "DETAILS"));
      for (RegistryEvent e : events) {
        System.out.println(Table.row(Table.time(e.getAt()), e.getActor(), e.getAction(), e.getModel(),
            e.hasVersion() ? Integer.toString(e.getVersion()) : "", e.getDetailsJson()));
      }
    }
  }
}
