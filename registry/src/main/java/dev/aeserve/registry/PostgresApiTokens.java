package dev.aeserve.registry;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Bearer tokens in Postgres. A secret is 32 random bytes, base64url without padding, prefixed
 * {@code aes_} so that secret scanners and people recognize it; only its SHA-256 is stored. A
 * plain hash (no salt, no slow KDF) is enough: the secret has 256 bits of entropy, and every call
 * looks it up.
 */
public final class PostgresApiTokens implements ApiTokens {

  static final String PREFIX = "aes_";
  private static final int SECRET_BYTES = 32;

  private final Transactor transactor;
  private final ApiTokenDao tokens = new ApiTokenDao();
  private final SecureRandom random = new SecureRandom();

  public PostgresApiTokens(Database database) {
    this(database.dataSource());
  }

  public PostgresApiTokens(DataSource dataSource) {
    this.transactor = new Transactor(requireNonNull(dataSource, "dataSource"));
  }

  @Override
  public IssuedToken create(String name, Set<TokenScope> scopes) {
    requireNonNull(name, "name");
    requireNonNull(scopes, "scopes");
    if (!ModelNames.isValid(name)) {
      throw new InvalidRegistryRequestException("invalid token name '" + name
          + "': 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit");
    }
    if (scopes.isEmpty()) {
      throw new InvalidRegistryRequestException("a token needs at least one scope: infer, registry:read, "
          + "registry:write or admin");
    }
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    ApiToken token = transactor.inTransaction("create token " + name, c -> {
      if (tokens.find(c, name).isPresent()) {
        throw new ModelAlreadyExistsException("a token named '" + name + "' exists already (revoked tokens keep "
            + "their name); choose another name");
      }
      return tokens.insert(c, name, sha256(secret), scopes);
    });
    return new IssuedToken(token, secret);
  }

  @Override
  public List<ApiToken> list() {
    return transactor.read("list tokens", tokens::list);
  }

  @Override
  public ApiToken revoke(String name) {
    requireNonNull(name, "name");
    return transactor.inTransaction("revoke token " + name, c -> tokens.revoke(c, name)
        .orElseThrow(() -> new RegistryNotFoundException("no token named '" + name + "'; see aeserve token list")));
  }

  @Override
  public Optional<ApiToken> authenticate(String secret) {
    if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 128) {
      return Optional.empty();
    }
    String hash = sha256(secret);
    return transactor.read("authenticate a token", c -> tokens.findValidBySha256(c, hash));
  }

  static String sha256(String secret) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
