package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.File;
import java.time.Duration;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Option;

/**
 * {@code --server HOST:PORT} for commands that talk to a running server, with what it takes to
 * get in: a bearer token, and TLS (a private CA, a client certificate for mutual TLS).
 */
final class ServerOption {

  @Option(names = "--server", defaultValue = "127.0.0.1:50051", paramLabel = "HOST:PORT",
      description = "aeserve server to talk to (default: ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--timeout", defaultValue = "PT60S", paramLabel = "DURATION",
      description = "Deadline of each call, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--token", defaultValue = "${env:AESERVE_TOKEN}", paramLabel = "TOKEN",
      description = "Bearer token from 'aeserve token create' (or AESERVE_TOKEN).")
  String token;

  @Option(names = "--tls", description = "Connect with TLS, trusting the JVM's certificate authorities.")
  boolean tls;

  @Option(names = "--tls-ca", defaultValue = "${env:AESERVE_TLS_CA}", paramLabel = "PEM",
      description = "Connect with TLS, trusting these certificate authorities (or AESERVE_TLS_CA).")
  File tlsCa;

  @Option(names = "--tls-client-cert", defaultValue = "${env:AESERVE_TLS_CLIENT_CERT}", paramLabel = "PEM",
      description = "Client certificate for mutual TLS (or AESERVE_TLS_CLIENT_CERT); needs --tls-client-key.")
  File clientCert;

  @Option(names = "--tls-client-key", defaultValue = "${env:AESERVE_TLS_CLIENT_KEY}", paramLabel = "PEM",
      description = "PKCS#8 PEM key of --tls-client-cert (or AESERVE_TLS_CLIENT_KEY).")
  File clientKey;

  AeserveClient connect() {
    if (!secured()) {
      return AeserveClient.builder(server).deadline(timeout).build();
    }
    // Built here rather than by the client's builder so that every option (client certificates
    // included) has one implementation; the process ends with the command, taking the channel along.
    return AeserveClient.forChannel(channel(), timeout);
  }

  private boolean secured() {
    return (token != null && !token.isBlank()) || tls || tlsCa != null || clientCert != null || clientKey != null;
  }

  /** A channel to the server that sends the token, if any, and names the local user as the actor. */
  ManagedChannel channel() {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-aeserve-actor", Metadata.ASCII_STRING_MARSHALLER),
        System.getProperty("user.name", "anonymous"));
    if (token != null && !token.isBlank()) {
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token.trim());
    }
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(server);
    if (tls || tlsCa != null || clientCert != null || clientKey != null) {
      b.sslContext(sslContext());
    } else {
      b.usePlaintext();
    }
    return b.intercept(MetadataUtils.newAttachHeadersInterceptor(headers)).build();
  }

  private io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext() {
    if ((clientCert == null) != (clientKey == null)) {
      throw new CliException("mutual TLS needs both --tls-client-cert and --tls-client-key");
    }
    try {
      SslContextBuilder ssl = GrpcSslContexts.forClient();
      if (tlsCa != null) {
        ssl.trustManager(tlsCa);
      }
      if (clientCert != null) {
        ssl.keyManager(clientCert, clientKey);
      }
      return ssl.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new CliException("cannot use the TLS files (--tls-ca, --tls-client-cert, --tls-client-key): "
          + e.getMessage() + "; give PEM files, the key in PKCS#8", e);
    }
  }
}
