package dev.aeserve.autoencoders;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An imported version as the one byte string the registry stores (content-addressed by sha256,
 * like a native {@link WeightsArtifact}): the manifest and the exported encoder and decoder
 * graphs, as the exporter wrote them.
 *
 * <pre>
 *   magic "AEIM" | int formatVersion (1) | int manifestLength | manifest JSON (UTF-8)
 *                | int encoderLength | encoder graph | int decoderLength | decoder graph
 *                | long crc32(everything before)
 * </pre>
 *
 * All integers are big-endian. {@link Autoencoders#load} tells the two kinds of artifact apart by
 * their magic.
 *
 * @param manifest what the graphs mean
 * @param encoder the encoder graph's bytes (an ONNX model, or a TorchScript archive)
 * @param decoder the decoder graph's bytes
 */
public record ImportArtifact(ImportManifest manifest, byte[] encoder, byte[] decoder) {

  /** "AEIM": aeserve import. */
  public static final int MAGIC = 0x4145494D;
  public static final int FORMAT_VERSION = 1;

  public ImportArtifact {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(decoder, "decoder");
    if (encoder.length == 0 || decoder.length == 0) {
      throw new IncompatibleWeightsException("the " + (encoder.length == 0 ? "encoder" : "decoder")
          + " graph is empty");
    }
  }

  /** Whether {@code bytes} start like an import artifact (then {@link #parse} reads them). */
  public static boolean isImport(byte[] bytes) {
    return SectionedArtifact.magicOf(bytes) == MAGIC;
  }

  public byte[] toBytes() {
    return SectionedArtifact.write(MAGIC, FORMAT_VERSION, manifest.toJson().getBytes(StandardCharsets.UTF_8), encoder,
        decoder);
  }

  /**
   * Reads an import artifact.
   *
   * @throws IncompatibleWeightsException when the bytes are not an import artifact, come from a
   *     newer format version, are truncated or fail their checksum
   * @throws InvalidSpecException when the manifest inside does not parse (naming the field)
   */
  public static ImportArtifact parse(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (!isImport(bytes)) {
      throw new IncompatibleWeightsException("bytes do not start with the aeserve import magic 'AEIM'");
    }
    byte[][] sections = SectionedArtifact.read(bytes, FORMAT_VERSION, "import artifact", "manifest", "encoder",
        "decoder");
    return new ImportArtifact(ImportManifest.fromJson(new String(sections[0], StandardCharsets.UTF_8)), sections[1],
        sections[2]);
  }
}
