package dev.aeserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.registry.testing.TestPostgres;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** API tokens on a real Postgres: what is stored, what authenticates, and what a revoke leaves. */
class PostgresApiTokensTest {

  private static Database database;
  private static PostgresApiTokens tokens;

  @BeforeAll
  static void open() {
    database = TestPostgres.openFreshDatabase();
    tokens = new PostgresApiTokens(database);
  }

  @AfterAll
  static void close() {
    database.close();
  }

  @Test
  void aCreatedTokenAuthenticatesWithItsSecretAndCarriesItsScopes() {
    IssuedToken issued = tokens.create("ci-deploy", EnumSet.of(TokenScope.INFER, TokenScope.REGISTRY_WRITE));
    assertThat(issued.secret()).startsWith("aes_");
    ApiToken token = issued.token();
    assertThat(token.name()).isEqualTo("ci-deploy");
    assertThat(token.scopes()).containsExactlyInAnyOrder(TokenScope.INFER, TokenScope.REGISTRY_WRITE);
    assertThat(token.createdAt()).isNotNull();
    assertThat(token.revoked()).isFalse();

    assertThat(tokens.authenticate(issued.secret())).contains(token);
    assertThat(tokens.authenticate(issued.secret() + "x")).isEmpty();
    assertThat(tokens.authenticate("aes_never-issued")).isEmpty();
  }

  @Test
  void theListIsEveryTokenByNameRevokedOnesIncluded() {
    IssuedToken zed = tokens.create("list-zed", Set.of(TokenScope.ADMIN));
    IssuedToken amy = tokens.create("list-amy", Set.of(TokenScope.REGISTRY_READ));
    tokens.revoke("list-zed");
    var listed = tokens.list().stream().filter(t -> t.name().startsWith("list-")).toList();
    assertThat(listed).extracting(ApiToken::name).containsExactly("list-amy", "list-zed");
    assertThat(listed.get(0)).isEqualTo(amy.token());
    assertThat(listed.get(1).scopes()).containsExactly(TokenScope.ADMIN);
    assertThat(listed.get(1).revoked()).isTrue();
    assertThat(listed.get(1).createdAt()).isEqualTo(zed.token().createdAt());
  }

  @Test
  void aRevokedTokenNoLongerAuthenticatesAndASecondRevokeKeepsTheFirstTime() {
    IssuedToken issued = tokens.create("revoke-me", Set.of(TokenScope.INFER));
    ApiToken revoked = tokens.revoke("revoke-me");
    assertThat(revoked.revoked()).isTrue();
    assertThat(revoked.revokedAt()).isAfterOrEqualTo(revoked.createdAt());
    assertThat(revoked.scopes()).containsExactly(TokenScope.INFER);
    assertThat(tokens.authenticate(issued.secret())).isEmpty();
    assertThat(tokens.revoke("revoke-me").revokedAt()).isEqualTo(revoked.revokedAt());
    assertThatThrownBy(() -> tokens.revoke("never-made"))
        .isInstanceOf(RegistryNotFoundException.class)
        .hasMessage("no token named 'never-made'; see aeserve token list");
  }

  @Test
  void aNameIsTakenForGoodAndATokenNeedsAScope() {
    tokens.create("taken", Set.of(TokenScope.INFER));
    tokens.revoke("taken");
    assertThatThrownBy(() -> tokens.create("taken", Set.of(TokenScope.INFER)))
        .isInstanceOf(ModelAlreadyExistsException.class)
        .hasMessageStartingWith("a token named 'taken' exists already");
    assertThatThrownBy(() -> tokens.create("no-scopes", Set.of()))
        .isInstanceOf(InvalidRegistryRequestException.class);
    assertThat(tokens.list()).extracting(ApiToken::name).doesNotContain("no-scopes");
  }
}
