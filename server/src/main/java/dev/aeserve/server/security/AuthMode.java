package dev.aeserve.server.security;

import java.util.Locale;
import java.util.Set;

/**
 * Whether calls need a bearer token. {@link #AUTO} turns authentication on whenever the server
 * listens beyond loopback, so that an exposed server is never open by accident.
 */
public enum AuthMode {
  AUTO,
  REQUIRED,
  OFF;

  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "::1", "[::1]", "localhost");

  /** Whether tokens are checked on a server listening on {@code host}. */
  public boolean enabledFor(String host) {
    return switch (this) {
      case REQUIRED -> true;
      case OFF -> false;
      case AUTO -> !isLoopback(host);
    };
  }

  public static boolean isLoopback(String host) {
    return LOOPBACK.contains(host.toLowerCase(Locale.ROOT));
  }

  public static AuthMode parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--auth must be auto, required or off, got '" + s + "'");
    }
  }
}
