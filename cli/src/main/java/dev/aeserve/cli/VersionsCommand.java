package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.VersionInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code aeserve versions list|archive}. */
@Command(name = "versions", mixinStandardHelpOptions = true, description = "List and archive versions.",
    subcommands = {VersionsCommand.ListVersions.class, VersionsCommand.Archive.class})
final class VersionsCommand {

  static void print(List<VersionInfo> versions) {
    System.out.println(Table.row("VERSION", "STATE", "SIZE", "SHA256", "CREATED BY", "CREATED", "ALIASES", "METRICS"));
    for (VersionInfo v : versions) {
      System.out.println(Table.row(Integer.toString(v.getVersion()), v.getState().name().replace("VERSION_STATE_", ""),
          Long.toString(v.getSizeBytes()), v.getArtifactSha256().substring(0, Math.min(12, v.getArtifactSha256().length())),
          v.getCreatedBy(), Table.time(v.getCreatedAt()), String.join(",", v.getAliasesList()), withoutGoldenRows(v.getMetricsJson())));
    }
  }

  /** The metrics for a table cell: the golden batch's rows (up to 64 of them) shown as a count. */
  static String withoutGoldenRows(String metricsJson) {
    try {
      com.fasterxml.jackson.databind.JsonNode doc = JSON.readTree(metricsJson);
      if (doc != null && doc.isObject() && doc.path("goldenBatch").path("rows").isArray()) {
        var golden = (com.fasterxml.jackson.databind.node.ObjectNode) doc.get("goldenBatch");
        golden.put("rows", golden.get("rows").size() + " rows");
        return doc.toString();
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // shown as stored
    }
    return metricsJson;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List a model's versions, oldest first.")
  static final class ListVersions implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      try (AeserveClient client = server.connect()) {
        List<VersionInfo> versions = client.listVersions(name);
        if (output.json()) {
          System.out.println(OutputOption.json(versions));
        } else {
          print(versions);
        }
      }
    }
  }

  @Command(name = "archive", mixinStandardHelpOptions = true, description = "Archive a version (READY -> ARCHIVED).")
  static final class Archive implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION")
    int version;

    @Mixin
    ServerOption server;

    @Override
    public void run() {
      try (AeserveClient client = server.connect()) {
        VersionInfo v = client.archiveVersion(name, version);
        System.out.println(v.getModel() + ":" + v.getVersion() + " is " + v.getState().name().replace("VERSION_STATE_", ""));
      }
    }
  }
}
