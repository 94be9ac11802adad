package dev.aeserve.cli;

import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.AeserveException;
import dev.aeserve.proto.v1.VersionInfo;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve import}: registers a model trained elsewhere, an exported encoder and decoder
 * graph and the manifest that says what they mean, as a new version (see docs/import.md). The
 * manifest is checked here, field by field, before anything is sent; the server then loads the
 * graphs, checks them against the manifest and runs the golden batch before the version exists.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Register an exported encoder/decoder pair (ONNX or TorchScript, as the manifest's format says) "
        + "as a new version of a model.")
final class ImportCommand implements Runnable {

  @Option(names = "--encoder", required = true, paramLabel = "FILE",
      description = "The encoder graph (enc.onnx, or enc.pt for TorchScript).")
  Path encoder;

  @Option(names = "--decoder", required = true, paramLabel = "FILE",
      description = "The decoder graph (dec.onnx, or dec.pt for TorchScript).")
  Path decoder;

  @Option(names = "--manifest", required = true, paramLabel = "FILE",
      description = "What the graphs mean: family, tensor names, sizes, score (docs/spec.md, \"Import manifest\").")
  Path manifest;

  @Option(names = "--register", required = true, paramLabel = "NAME",
      description = "The model to add the version to; created with the manifest's family when it does not exist.")
  String name;

  @Option(names = "--description", defaultValue = "imported", description = "Description of a model created here.")
  String description;

  @Mixin
  ServerOption server;

  @Override
  public void run() {
    ImportManifest m = ImportManifest.fromJson(read(manifest, "manifest"));
    ImportArtifact artifact = new ImportArtifact(m, bytes(encoder, "encoder"),
        bytes(decoder, "decoder"));
    try (AeserveClient client = server.connect()) {
      try {
        client.createModel(name, m.family().id(), description);
      } catch (AeserveException e) {
        if (e.code() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
      }
      VersionInfo v = client.uploadVersion(name, m.spec().toJson(), m.metricsJson(), null, artifact.toBytes());
      System.out.println("registered " + v.getModel() + ":" + v.getVersion() + " (" + m.format() + " " + m.family().id()
          + ", " + m.inputDim() + " -> " + m.latentDim() + ", sha256 " + v.getArtifactSha256().substring(0, 12) + ")");
    }
  }

  private static String read(Path file, String what) {
    return new String(bytes(file, what), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new CliException("cannot read the " + what + " " + file + ": " + e, e);
    }
  }
}
