package dev.aeserve.autoencoders;

import java.util.Objects;

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

  public WeightsArtifact {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(decoder, "decoder");
  }

  public byte[] toBytes() {
    return SectionedArtifact.write(MAGIC, FORMAT_VERSION, encoder, decoder);
  }

  /**
   * Splits an artifact into its sections.
   *
   * @throws IncompatibleWeightsException when the bytes are not an aeserve weights artifact, come
   *     from a newer format version, are truncated or fail their checksum
   */
  public static WeightsArtifact parse(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length < SectionedArtifact.HEADER_BYTES) {
      throw new IncompatibleWeightsException("weights are " + bytes.length
          + " bytes, too short to be an aeserve weights artifact");
    }
    int magic = SectionedArtifact.magicOf(bytes);
    if (magic != MAGIC) {
      throw new IncompatibleWeightsException(String.format(
          "weights do not start with the aeserve artifact magic 'AEWT' (found 0x%08x)", magic));
    }
    byte[][] sections = SectionedArtifact.read(bytes, FORMAT_VERSION, "weights artifact", "encoder", "decoder");
    return new WeightsArtifact(sections[0], sections[1]);
  }
}
