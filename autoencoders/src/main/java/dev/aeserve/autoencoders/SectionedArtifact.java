package dev.aeserve.autoencoders;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;

/**
 * The container every aeserve artifact shares: a magic number, a format version, length-prefixed
 * sections, and a CRC32 of everything before it. {@link WeightsArtifact} (native weights) and
 * {@link ImportArtifact} (imported graphs) differ only in their magic and their sections.
 */
final class SectionedArtifact {

  /** Bytes before the first section: the magic and the format version. */
  static final int HEADER_BYTES = 2 * Integer.BYTES;

  private SectionedArtifact() {}

  /** The first four bytes as a big-endian int (the magic), or 0 when there are fewer. */
  static int magicOf(byte[] bytes) {
    return bytes.length < Integer.BYTES ? 0
        : (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
  }

  static byte[] write(int magic, int formatVersion, byte[]... sections) {
    int size = HEADER_BYTES + Long.BYTES;
    for (byte[] s : sections) {
      size += Integer.BYTES + s.length;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(magic);
      out.writeInt(formatVersion);
      for (byte[] section : sections) {
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
   * The sections of an artifact whose magic the caller has checked.
   *
   * @param kind what the artifact is called in messages, e.g. "weights artifact"
   * @throws IncompatibleWeightsException for another format version, a truncated or padded
   *     artifact, or a checksum that does not match
   */
  static byte[][] read(byte[] bytes, int formatVersion, String kind, String... sectionNames) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      in.readInt();
      int version = in.readInt();
      if (version != formatVersion) {
        throw new IncompatibleWeightsException(kind + " format version " + version
            + " is not supported; this build reads version " + formatVersion);
      }
      byte[][] sections = new byte[sectionNames.length][];
      for (int i = 0; i < sections.length; i++) {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
          throw new IncompatibleWeightsException(kind + "'s " + sectionNames[i] + " section claims " + length
              + " bytes but the artifact is only " + bytes.length + " bytes: truncated or corrupt");
        }
        sections[i] = in.readNBytes(length);
      }
      long stored = in.readLong();
      if (in.available() != 0) {
        throw new IncompatibleWeightsException(kind + " has " + in.available() + " unexpected bytes after its checksum");
      }
      CRC32 crc = new CRC32();
      crc.update(bytes, 0, bytes.length - Long.BYTES);
      if (crc.getValue() != stored) {
        throw new IncompatibleWeightsException(kind + " checksum does not match: the bytes are corrupt");
      }
      return sections;
    } catch (IOException e) {
      throw new IncompatibleWeightsException(kind + " is truncated (" + bytes.length + " bytes)", e);
    }
  }
}
