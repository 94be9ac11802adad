package dev.aeserve.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Content-addressed weights in the {@code artifact} table: the key is the sha256 of the bytes, so
 * identical uploads are stored once, and every load re-hashes to catch altered or damaged rows.
 */
final class ArtifactStore {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  static String sha256Hex(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static boolean isSha256Hex(String text) {
    return text != null && SHA256_HEX.matcher(text).matches();
  }

  /** Stores the content under its hash; a no-op when the same content is already stored. */
  void store(Connection c, String sha256, byte[] content) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO artifact (sha256, content, size_bytes) VALUES (?, ?, ?)"
            + " ON CONFLICT (sha256) DO NOTHING")) {
      s.setString(1, sha256);
      s.setBytes(2, content);
      s.setLong(3, content.length);
      s.executeUpdate();
    }
  }

  /**
   * The content stored under {@code sha256}, empty when there is none.
   *
   * @throws ArtifactIntegrityException when the stored bytes no longer hash to {@code sha256}
   */
  Optional<byte[]> load(Connection c, String sha256) throws SQLException {
    byte[] content;
    try (PreparedStatement s = c.prepareStatement("SELECT content FROM artifact WHERE sha256 = ?")) {
      // Binary transfer from the first read: until a statement has run prepareThreshold (5) times on
      // a connection, pgjdbc receives bytea as hex text (twice the bytes, decoded in Java). An
      // artifact is megabytes and a server's start is made of exactly those first reads: 20
      // versions of an 8.6 MB model read 130-890 ms each as text, about 20 ms in binary.
      if (s.isWrapperFor(org.postgresql.PGStatement.class)) {
        s.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
      }
      s.setString(1, sha256);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        content = rs.getBytes(1);
      }
    }
    String actual = sha256Hex(content);
    if (!actual.equals(sha256)) {
      throw new ArtifactIntegrityException(
          "artifact " + sha256 + " is corrupt: its content hashes to " + actual);
    }
    return Optional.of(content);
  }
}
