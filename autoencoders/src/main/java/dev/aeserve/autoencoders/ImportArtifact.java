package dev.aeserve.autoencoders;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32;

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
    return bytes.length >= 4 && ((bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8
        | (bytes[3] & 0xff)) == MAGIC;
  }

  public byte[] toBytes() {
    byte[] manifestBytes = manifest.toJson().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(manifestBytes.length + encoder.length + decoder.length
        + 32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(FORMAT_VERSION);
      for (byte[] section : new byte[][] {manifestBytes, encoder, decoder}) {
        out.writeInt(section.length);
        out.write(section);
      }
      out.flush();
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
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
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      in.readInt();
      int version = in.readInt();
      if (version != FORMAT_VERSION) {
        throw new IncompatibleWeightsException("import artifact format version " + version
            + " is not supported; this build reads version " + FORMAT_VERSION);
      }
      byte[] manifest = section(in, "manifest", bytes.length);
      byte[] encoder = section(in, "encoder", bytes.length);
      byte[] decoder = section(in, "decoder", bytes.length);
      long stored = in.readLong();
      if (in.available() != 0) {
        throw new IncompatibleWeightsException("import artifact has " + in.available()
            + " unexpected bytes after its checksum");
      }
      CRC32 crc = new CRC32();
      crc.update(bytes, 0, bytes.length - Long.BYTES);
      if (crc.getValue() != stored) {
        throw new IncompatibleWeightsException("import artifact checksum does not match: the bytes are corrupt");
      }
      return new ImportArtifact(ImportManifest.fromJson(new String(manifest, StandardCharsets.UTF_8)), encoder,
          decoder);
    } catch (IOException e) {
      throw new IncompatibleWeightsException("import artifact is truncated (" + bytes.length + " bytes)", e);
    }
  }

  private static byte[] section(DataInputStream in, String name, int total) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > in.available()) {
      throw new IncompatibleWeightsException("import artifact's " + name + " section claims " + length
          + " bytes but the artifact is only " + total + " bytes: truncated or corrupt");
    }
    return in.readNBytes(length);
  }
}
