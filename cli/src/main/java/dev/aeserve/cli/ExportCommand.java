package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.autoencoders.UnsupportedExportException;
import dev.aeserve.autoencoders.WeightsArtifact;
import dev.aeserve.autoencoders.internal.OnnxExporter;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.RegistryNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code aeserve export NAME:VERSION --format onnx --out DIR}: a version as an ONNX encoder and
 * decoder plus its import manifest, so a model trained in aeserve can leave it (and come back
 * through {@code aeserve import} as a version with the same outputs). The registry API has no way
 * to download a version's weights, so this reads them from the registry database, as {@code
 * token} and {@code migrate} do (the same {@code --db-url} or {@code --data-dir} as {@code serve}).
 * A family the exporter cannot write is refused with FAILED_PRECONDITION naming the family and
 * why; an ONNX import is written back as it was imported.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write a version as an ONNX encoder/decoder pair plus manifest (encoder.onnx, decoder.onnx, "
        + "manifest.json), read from the registry database.")
final class ExportCommand implements Runnable {

  @Parameters(index = "0", paramLabel = "NAME:VERSION", description = "The version to export, e.g. digits:3.")
  String target;

  @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "onnx (the only one).")
  String format;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the files into.")
  Path out;

  @Mixin
  DatabaseOptions database;

  @Override
  public void run() {
    int colon = target.lastIndexOf(':');
    int version;
    try {
      version = colon > 0 ? Integer.parseInt(target.substring(colon + 1)) : -1;
    } catch (NumberFormatException e) {
      version = -1;
    }
    if (version < 1) {
      throw new CliException("INVALID_ARGUMENT: '" + target + "' is not NAME:VERSION (such as digits:3)");
    }
    if (!ImportManifest.ONNX.equals(format)) {
      throw new CliException("INVALID_ARGUMENT: --format '" + format + "': aeserve exports onnx only");
    }
    String model = target.substring(0, colon);
    ImportArtifact artifact;
    try (RegistryBackend backend = RegistryBackend.open(database, System.err)) {
      ModelVersion v;
      try {
        v = backend.registry().getVersion(model, version);
      } catch (RegistryNotFoundException e) {
        throw new CliException("NOT_FOUND: " + e.getMessage(), e);
      }
      byte[] bytes = backend.registry().loadArtifact(v.artifactSha256());
      artifact = ImportArtifact.isImport(bytes) ? imported(ImportArtifact.parse(bytes))
          : exported(AutoencoderSpec.fromJson(v.specJson()), WeightsArtifact.parse(bytes));
    }
    ImportManifest m = artifact.manifest();
    write("encoder.onnx", artifact.encoder());
    write("decoder.onnx", artifact.decoder());
    write("manifest.json", (m.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    System.out.println("wrote " + target + " as onnx " + m.family().id() + " (" + m.inputDim() + " -> "
        + m.latentDim() + ") to " + out + "; import it with: aeserve import --encoder " + out.resolve("encoder.onnx")
        + " --decoder " + out.resolve("decoder.onnx") + " --manifest " + out.resolve("manifest.json")
        + " --register NAME");
  }

  private ImportArtifact exported(AutoencoderSpec spec, WeightsArtifact weights) {
    try {
      return OnnxExporter.export(spec, weights);
    } catch (UnsupportedExportException e) {
      throw new CliException("FAILED_PRECONDITION: " + target + ": " + e.getMessage());
    }
  }

  private ImportArtifact imported(ImportArtifact a) {
    if (!a.manifest().format().equals(ImportManifest.ONNX)) {
      throw new CliException("FAILED_PRECONDITION: " + target + " was imported as " + a.manifest().format()
          + ", not written by aeserve: export the original module to ONNX (torch.onnx.export) instead");
    }
    return a;
  }

  private void write(String name, byte[] bytes) {
    try {
      Files.createDirectories(out);
      Files.write(out.resolve(name), bytes);
    } catch (IOException e) {
      throw new CliException("cannot write " + out.resolve(name) + ": " + e.getMessage(), e);
    }
  }
}
