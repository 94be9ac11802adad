package dev.aeserve.cli;

/** A problem the user can fix, reported in one line. */
final class CliException extends RuntimeException {
  CliException(String message) {
    super(message);
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
