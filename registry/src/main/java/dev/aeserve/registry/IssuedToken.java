package dev.aeserve.registry;

/** A token just created: the only time its secret exists outside the caller's hands. */
public record IssuedToken(ApiToken token, String secret) {

  @Override
  public String toString() {
    return "IssuedToken[" + token.name() + "]";
  }
}
