package dev.aeserve.server.security;

import java.util.Objects;

/**
 * Who may call the server and how the connection is protected.
 *
 * @param auth whether calls need a bearer token (resolved against the listening host)
 * @param tls TLS on the gRPC port, or null for plaintext
 * @param healthPort a plaintext port serving only grpc.health.v1 (for probes that cannot speak
 *     TLS); -1 for none, 0 for any free port
 */
public record SecurityConfig(AuthMode auth, TlsConfig tls, int healthPort) {

  public SecurityConfig {
    Objects.requireNonNull(auth, "auth");
    if (healthPort < -1 || healthPort > 65535) {
      throw new IllegalArgumentException("--health-port must be in [0, 65535] (or -1 for none), got " + healthPort);
    }
  }

  public static SecurityConfig defaults() {
    return new SecurityConfig(AuthMode.AUTO, null, -1);
  }

  public SecurityConfig withAuth(AuthMode a) {
    return new SecurityConfig(a, tls, healthPort);
  }

  public SecurityConfig withTls(TlsConfig t) {
    return new SecurityConfig(auth, t, healthPort);
  }

  public SecurityConfig withHealthPort(int p) {
    return new SecurityConfig(auth, tls, p);
  }
}
