package dev.aeserve.autoencoders;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * The weights of one version as a single byte string: the encoder's and the decoder's DJL
 * parameter encodings behind a small header. DJL's encoding of an NDArray is engine-independent,
 * so the same bytes load in MXNet and in PyTorch.
 *
 * <pre>
 *   magic "AEWT" | int formatVersion (1) | int encoderLength | encoder bytes
 *                | int decoderLength | decoder bytes | long crc32(everything before)
 * </pre>
 *
 * All integers are big-endian. The checksum catches truncation and bit rot with a message that
 * says so, instead of an opaque error from deep inside the engine.
 *
 * @param encoder the encoder block's parameters, as {@code Block.saveParameters} writes them
 * @param decoder the decoder block's parameters, likewise
 */
public record WeightsArtifact(byte[] encoder, byte[] decoder) {

  /** "AEWT": aeserve weights. */
  public static final int MAGIC = 0x41455754;
  public static final int FORMAT_VERSION = 1;
  private static final int HEADER_BYTES = 8;

  public WeightsArtifact {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(decoder, "decoder");
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoder.length + decoder.length + 32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(FORMAT_VERSION);
      out.writeInt(encoder.length);
      out.write(encoder);
      out.writeInt(decoder.length);
      out.write(decoder);
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
   * Splits an artifact into its sections.
   *
   * @throws IncompatibleWeightsException when the bytes are not an aeserve weights artifact, come
   *     from a newer format version, are truncated or fail their checksum
   */
  public static WeightsArtifact parse(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length < HEADER_BYTES) {
      throw new IncompatibleWeightsException("weights are " + bytes.length
          + " bytes, too short to be an aeserve weights artifact");
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int magic = in.readInt();
      if (magic != MAGIC) {
        throw new IncompatibleWeightsException(String.format(
            "weights do not start with the aeserve artifact magic 'AEWT' (found 0x%08x)", magic));
      }
      int version = in.readInt();
      if (version != FORMAT_VERSION) {
        throw new IncompatibleWeightsException("weights artifact format version " + version
            + " is not supported; this build reads version " + FORMAT_VERSION);
      }
      byte[] encoder = section(in, "encoder", bytes.length);
      byte[] decoder = section(in, "decoder", bytes.length);
      long stored = in.readLong();
      CRC32 crc = new CRC32();
      crc.update(bytes, 0, bytes.length - Long.BYTES - in.available());
      if (in.available() != 0) {
        throw new IncompatibleWeightsException("weights artifact has " + in.available()
            + " unexpected bytes after its checksum");
      }
      if (crc.getValue() != stored) {
        throw new IncompatibleWeightsException("weights artifact checksum does not match: the bytes are corrupt");
      }
      return new WeightsArtifact(encoder, decoder);
    } catch (IOException e) {
      throw new IncompatibleWeightsException("weights artifact is truncated (" + bytes.length + " bytes)", e);
    }
  }

  private static byte[] section(DataInputStream in, String name, int total) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > in.available()) {
      throw new IncompatibleWeightsException("weights artifact's " + name + " section claims " + length
          + " bytes but the artifact is only " + total + " bytes: truncated or corrupt");
    }
    return in.readNBytes(length);
  }
}
