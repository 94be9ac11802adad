package dev.aeserve.registry;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** SQL for the {@code api_token} table. One statement per method; the caller owns the transaction. */
final class ApiTokenDao {

  private static final String COLUMNS = "name, scopes, created_at, revoked_at";

  ApiToken insert(Connection c, String name, String sha256, Set<TokenScope> scopes) throws SQLException {
    Array array = c.createArrayOf("text", scopes.stream().map(TokenScope::wireName).toArray());
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO api_token (name, sha256, scopes) VALUES (?, ?, ?) RETURNING " + COLUMNS)) {
      s.setString(1, name);
      s.setString(2, sha256);
      s.setArray(3, array);
      return one(s).orElseThrow(() -> new SQLException("token insert returned no row"));
    } finally {
      array.free();
    }
  }

  Optional<ApiToken> find(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM api_token WHERE name = ?")) {
      s.setString(1, name);
      return one(s);
    }
  }

  List<ApiToken> list(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM api_token ORDER BY name");
        ResultSet rs = s.executeQuery()) {
      List<ApiToken> tokens = new ArrayList<>();
      while (rs.next()) {
        tokens.add(map(rs));
      }
      return tokens;
    }
  }

  Optional<ApiToken> revoke(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE name = ? RETURNING " + COLUMNS)) {
      s.setString(1, name);
      return one(s);
    }
  }

  Optional<ApiToken> findValidBySha256(Connection c, String sha256) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM api_token WHERE sha256 = ? AND revoked_at IS NULL")) {
      s.setString(1, sha256);
      return one(s);
    }
  }

  private static Optional<ApiToken> one(PreparedStatement s) throws SQLException {
    try (ResultSet rs = s.executeQuery()) {
      return rs.next() ? Optional.of(map(rs)) : Optional.empty();
    }
  }

  private static ApiToken map(ResultSet rs) throws SQLException {
    Set<TokenScope> scopes = EnumSet.noneOf(TokenScope.class);
    for (Object scope : (Object[]) rs.getArray("scopes").getArray()) {
      scopes.add(TokenScope.parse((String) scope));
    }
    OffsetDateTime revoked = rs.getObject("revoked_at", OffsetDateTime.class);
    Instant revokedAt = revoked == null ? null : revoked.toInstant();
    return new ApiToken(rs.getString("name"), scopes, rs.getObject("created_at", OffsetDateTime.class).toInstant(),
        revokedAt);
  }
}
