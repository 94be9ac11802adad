package dev.aeserve.server.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS on the gRPC port: a PEM certificate chain and its PEM (PKCS#8) private key, and for mutual
 * TLS the PEM certificate authorities that client certificates must chain to.
 *
 * @param clientCa null for server-only TLS; otherwise clients without a valid certificate are refused
 */
public record TlsConfig(Path certificateChain, Path privateKey, Path clientCa) {

  public TlsConfig {
    Objects.requireNonNull(certificateChain, "certificateChain");
    Objects.requireNonNull(privateKey, "privateKey");
    requireReadable("--tls-cert", certificateChain, "a PEM certificate chain");
    requireReadable("--tls-key", privateKey, "a PEM (PKCS#8) private key");
    if (clientCa != null) {
      requireReadable("--tls-client-ca", clientCa, "PEM certificate authorities for client certificates");
    }
  }

  public boolean mutual() {
    return clientCa != null;
  }

  private static void requireReadable(String flag, Path file, String what) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException("cannot read " + flag + " " + file + " ("
          + (Files.exists(file) ? "not a readable file" : "no such file") + "); give " + what);
    }
  }
}
