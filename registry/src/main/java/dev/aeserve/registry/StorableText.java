package dev.aeserve.registry;

/**
 * Text the registry writes to Postgres. Postgres refuses the NUL character in text and jsonb with
 * a database error, which would reach the caller as a storage failure (UNAVAILABLE, retried for
 * ever); refusing it here, before any SQL runs, makes it the caller's INVALID_ARGUMENT.
 */
final class StorableText {

  private StorableText() {}

  static String require(String what, String value) {
    int at = value == null ? -1 : value.indexOf('\u0000');
    if (at >= 0) {
      throw new InvalidRegistryRequestException(what + " contains a NUL character (at index " + at
          + "); Postgres cannot store it, so nothing was written");
    }
    return value;
  }
}
