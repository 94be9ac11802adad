package dev.aeserve.server.grpc;

import dev.aeserve.server.InvalidRequestException;

/**
 * Reads the protos' unsigned fields, which Java sees as signed: a uint32 of 2^31 or more arrives
 * negative. Each is checked against the range the domain takes and, when refused, printed as the
 * unsigned number the caller sent, never as a negative one.
 */
final class UnsignedFields {

  private UnsignedFields() {}

  /** A version number: 1 to {@link Integer#MAX_VALUE}. */
  static int version(String field, int raw) {
    if (raw == 0 || raw < 0) {
      throw new InvalidRequestException(field + " must be between 1 and " + Integer.MAX_VALUE + ", got "
          + Integer.toUnsignedString(raw));
    }
    return raw;
  }

  /** A count that the domain holds in an int: 0 to {@link Integer#MAX_VALUE}. */
  static int count(String field, int raw) {
    if (raw < 0) {
      throw new InvalidRequestException(field + " must be at most " + Integer.MAX_VALUE + ", got "
          + Integer.toUnsignedString(raw));
    }
    return raw;
  }
}
