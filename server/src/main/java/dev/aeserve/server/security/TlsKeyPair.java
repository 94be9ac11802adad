package dev.aeserve.server.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Whether a PEM private key belongs to the first certificate of a PEM chain. Netty builds a
 * server context from a mismatched pair without complaint, and every handshake then fails: the
 * operator sees clients refused instead of a server that will not start.
 */
public final class TlsKeyPair {

  private TlsKeyPair() {}

  /** Signs with the key and verifies with the certificate; fails with what is wrong otherwise. */
  public static void requireMatching(Path certificateChain, Path privateKey) throws IOException, GeneralSecurityException {
    X509Certificate leaf;
    try (InputStream in = Files.newInputStream(certificateChain)) {
      leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    PrivateKey key = privateKey(privateKey, leaf.getPublicKey().getAlgorithm());
    if (key == null) {
      return; // a key this check cannot read; building the server context reports what is wrong with it
    }
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (algorithm == null) {
      return; // a key type this check does not know; the handshake will tell
    }
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(leaf.getPublicKey());
    verifier.update(challenge);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException("the private key does not belong to the certificate "
          + leaf.getSubjectX500Principal().getName());
    }
  }

  /** The key of an unencrypted PKCS#8 PEM file, or null for anything else. */
  private static PrivateKey privateKey(Path file, String algorithm) throws IOException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      return null;
    }
    String body = pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end).replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(body)));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return null;
    }
  }
}
