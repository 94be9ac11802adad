package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.Interpolation;
import dev.aeserve.proto.v1.InterpolationMethod;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.SampleResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve sample}: draws from a VAE's prior, or walks between two inputs or two latents.
 * Samples go to stdout as CSV; the served version and the seed (to reproduce the draw) go to stderr.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
    description = "Draw samples from a vae/cvae, or interpolate between two rows; CSV out.")
final class SampleCommand implements Runnable {

  @Option(names = "--model", required = true, paramLabel = "NAME[:VERSION|@ALIAS]", description = "Model to call.")
  String model;

  @Option(names = "--count", defaultValue = "10", description = "Samples to draw (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--seed", description = "Seed; the same seed and version give the same bytes (default: the server picks"
      + " one and prints it).")
  Long seed;

  @Option(names = "--temperature", description = "Scale of the prior's standard deviation (default 1).")
  Float temperature;

  @Mixin
  InferenceCommands.ConditionOption condition;

  @ArgGroup(exclusive = true)
  Endpoints endpoints;

  @Option(names = "--steps", defaultValue = "8", description = "Interpolation: rows from one endpoint to the other,"
      + " both included (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--method", defaultValue = "linear", paramLabel = "linear|slerp",
      description = "Interpolation path (default: ${DEFAULT-VALUE}).")
  String method;

  @Mixin
  ServerOption server;

  @Mixin
  PngOption png;

  static final class Endpoints {
    @Option(names = "--interpolate-latents", paramLabel = "FILE.csv", description = "Two latent rows to walk between.")
    Path latents;

    @Option(names = "--interpolate-inputs", paramLabel = "FILE.csv",
        description = "Two input rows: encoded, walked between in latent space, decoded.")
    Path inputs;
  }

  @Override
  public void run() {
    SampleRequest.Builder request = SampleRequest.newBuilder().setModel(Wire.ref(Wire.selector(model)))
        .setCondition(Wire.condition(condition.labels()));
    if (seed != null) {
      request.setSeed(seed);
    }
    if (temperature != null) {
      if (!Float.isFinite(temperature) || temperature < 0) {
        throw new CliException("--temperature must be finite and >= 0, got " + temperature);
      }
      request.setTemperature(temperature);
    }
    if (endpoints == null) {
      if (count < 1) {
        throw new CliException("--count must be at least 1, got " + count);
      }
      request.setCount(count);
    } else {
      request.setInterpolation(interpolation());
    }
    try (AeserveClient client = server.connect()) {
      SampleResponse r = Wire.call(() -> client.inferenceStub().sample(request.build()));
      Wire.served(System.err, r.getServedBy());
      System.err.println("# seed " + Long.toUnsignedString(r.getSeed()));
      float[][] samples = Wire.rows(r.getSamples());
      if (png.wanted()) {
        png.write(png.shape(client, r.getServedBy()), List.<float[][]>of(samples), null);
      }
      Csv.write(System.out, samples);
    }
  }

  private Interpolation interpolation() {
    if (steps < 2) {
      throw new CliException("--steps must be at least 2, got " + steps);
    }
    InterpolationMethod m = switch (method.trim().toLowerCase(Locale.ROOT)) {
      case "linear" -> InterpolationMethod.INTERPOLATION_METHOD_LINEAR;
      case "slerp" -> InterpolationMethod.INTERPOLATION_METHOD_SLERP;
      default -> throw new CliException("unknown --method '" + method + "'; use linear or slerp");
    };
    Path file = endpoints.latents != null ? endpoints.latents : endpoints.inputs;
    float[][] rows = Csv.read(file);
    if (rows.length != 2) {
      throw new CliException(file + " must hold the two endpoints, one per line; it has " + rows.length + " rows");
    }
    Interpolation.Builder b = Interpolation.newBuilder().setSteps(steps).setMethod(m);
    return (endpoints.latents != null ? b.setLatents(Wire.matrix(rows)) : b.setInputs(Wire.matrix(rows))).build();
  }
}
