package dev.aeserve.cli;

import dev.aeserve.proto.v1.CompareShadowRequest;
import dev.aeserve.proto.v1.DifferenceStats;
import dev.aeserve.proto.v1.GetTrafficRequest;
import dev.aeserve.proto.v1.PromoteRequest;
import dev.aeserve.proto.v1.QualityGate;
import dev.aeserve.proto.v1.RollbackRequest;
import dev.aeserve.proto.v1.RolloutsGrpc;
import dev.aeserve.proto.v1.SetTrafficRequest;
import dev.aeserve.proto.v1.ShadowComparison;
import dev.aeserve.proto.v1.TrafficArm;
import dev.aeserve.proto.v1.TrafficInfo;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aeserve traffic set|show|compare}, {@code aeserve promote}, {@code aeserve rollback}. */
final class RolloutCommands {

  private RolloutCommands() {}

  static <T> T withRollouts(ServerOption server, Function<RolloutsGrpc.RolloutsBlockingStub, T> call) {
    ManagedChannel channel = server.channel();
    try {
      return Wire.call(() -> call.apply(RolloutsGrpc.newBlockingStub(channel)
          .withDeadlineAfter(server.timeout.toMillis(), TimeUnit.MILLISECONDS)));
    } finally {
      channel.shutdownNow();
    }
  }

  static void print(TrafficInfo t, OutputOption output) {
    if (output.json()) {
      System.out.println(OutputOption.json(t));
      return;
    }
    if (t.getPrimariesCount() == 0) {
      System.out.println(t.getModel() + ": no traffic split; calls without a version or alias go to the newest READY"
          + " version");
      return;
    }
    System.out.println("model:     " + t.getModel());
    System.out.println("primaries: " + arms(t.getPrimariesList(), "%"));
    System.out.println("shadows:   " + (t.getShadowsCount() == 0 ? "none" : arms(t.getShadowsList(), "% copied")));
    System.out.println("gate:      " + (t.hasGate() ? String.format(Locale.ROOT, "weight to 0 when mean error exceeds the "
        + "heaviest primary's by more than %.1f%% over %d requests", t.getGate().getMaxErrorIncreasePercent(),
        t.getGate().getMinRequests()) : "none"));
    if (!t.getAlias().isEmpty()) {
      System.out.println("alias:     " + t.getAlias());
    }
  }

  private static String arms(List<TrafficArm> arms, String unit) {
    StringBuilder sb = new StringBuilder();
    for (TrafficArm a : arms) {
      sb.append(sb.length() == 0 ? "" : ", ").append(a.getVersion()).append('=').append(a.getWeight()).append(unit);
    }
    return sb.toString();
  }

  static TrafficArm arm(String text) {
    String[] parts = text.split("=", 2);
    try {
      return TrafficArm.newBuilder().setVersion(Integer.parseInt(parts[0])).setWeight(Integer.parseInt(parts[1])).build();
    } catch (RuntimeException e) {
      throw new CliException("'" + text + "' is not VERSION=WEIGHT (e.g. 3=90)");
    }
  }

  @Command(name = "traffic", mixinStandardHelpOptions = true, description = "Traffic splits and shadow traffic.",
      subcommands = {Set.class, Show.class, Compare.class})
  static final class Traffic {}

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = "Split a model's traffic: aeserve traffic set NAME 3=90 4=10 --shadow 5=20")
  static final class Set implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "VERSION=WEIGHT", description = "Primary arms; weights sum to 100.")
    List<String> primaries;

    @Option(names = "--shadow", paramLabel = "VERSION=PERCENT", description = "Shadow arm and the share of calls copied to it.")
    List<String> shadows = List.of();

    @Option(names = "--gate", paramLabel = "PERCENT:REQUESTS",
        description = "Quality gate: drop a candidate whose mean error exceeds the heaviest primary's by PERCENT after REQUESTS calls.")
    String gate;

    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      SetTrafficRequest.Builder b = SetTrafficRequest.newBuilder().setModel(name);
      primaries.forEach(p -> b.addPrimaries(arm(p)));
      shadows.forEach(s -> b.addShadows(arm(s)));
      if (gate != null) {
        String[] g = gate.replace("%", "").split(":");
        try {
          b.setGate(QualityGate.newBuilder().setMaxErrorIncreasePercent(Double.parseDouble(g[0]))
              .setMinRequests(Integer.parseInt(g[1])));
        } catch (RuntimeException e) {
          throw new CliException("--gate must look like 10:500 (percent:requests)");
        }
      }
      print(withRollouts(server, stub -> stub.setTraffic(b.build())), output);
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a model's traffic split.")
  static final class Show implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      print(withRollouts(server, stub -> stub.getTraffic(GetTrafficRequest.newBuilder().setModel(name).build())), output);
    }
  }

  @Command(name = "compare", mixinStandardHelpOptions = true,
      description = "How each shadow differed from its primary on the traffic this server served.")
  static final class Compare implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      var r = withRollouts(server, stub -> stub.compareShadow(CompareShadowRequest.newBuilder().setModel(name).build()));
      if (output.json()) {
        System.out.println(OutputOption.json(r));
        return;
      }
      System.out.println(Table.row("PRIMARY", "SHADOW", "MEASURE", "COUNT", "MEAN", "P50", "P99", "SHED", "FAILED"));
      for (ShadowComparison c : r.getComparisonsList()) {
        row(c, "reconstruction_error_diff", c.getReconstructionErrorDifference());
        row(c, "latent_distance", c.getLatentDistance());
      }
    }

    private static void row(ShadowComparison c, String measure, DifferenceStats s) {
      System.out.println(Table.row(Integer.toString(c.getPrimaryVersion()), Integer.toString(c.getShadowVersion()),
          measure, Long.toString(s.getCount()), fmt(s.getMean()), fmt(s.getP50()), fmt(s.getP99()),
          Long.toString(c.getShed()), Long.toString(c.getFailed())));
    }

    private static String fmt(double d) {
      return String.format(Locale.ROOT, "%.6g", d);
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = "Send all of a model's traffic to one version (and point an alias at it) in one step.")
  static final class Promote implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION")
    int version;

    @Option(names = "--alias", description = "Also point this alias at the version, e.g. production.")
    String alias;

    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      PromoteRequest.Builder b = PromoteRequest.newBuilder().setModel(name).setVersion(version);
      if (alias != null) {
        b.setAlias(alias);
      }
      print(withRollouts(server, stub -> stub.promote(b.build())), output);
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Restore the routing from before the model's last routing change.")
  static final class Rollback implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin
    ServerOption server;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      print(withRollouts(server, stub -> stub.rollback(RollbackRequest.newBuilder().setModel(name).build())), output);
    }
  }
}
