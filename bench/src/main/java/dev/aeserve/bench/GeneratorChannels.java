package dev.aeserve.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's connections: a few HTTP/2 connections on a small event-loop group that it
 * owns, with answers handled on the transport threads (direct executor). No thread per caller:
 * that is what lets one core offer several times the server's rate.
 */
final class GeneratorChannels implements AutoCloseable {

  private final NioEventLoopGroup loops;
  private final int connections;
  private final List<ManagedChannel> open = new ArrayList<>();

  GeneratorChannels(int connections) {
    this.connections = connections;
    this.loops = new NioEventLoopGroup(connections);
  }

  /** {@code connections} channels to a loopback port, one connection each. */
  synchronized List<ManagedChannel> to(int port) {
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port)
          .negotiationType(NegotiationType.PLAINTEXT)
          .eventLoopGroup(loops)
          .channelType(NioSocketChannel.class)
          .directExecutor()
          .maxInboundMessageSize(64 << 20)
          .build();
      channels.add(c);
      open.add(c);
    }
    return channels;
  }

  @Override
  public synchronized void close() throws InterruptedException {
    for (ManagedChannel c : open) {
      c.shutdownNow();
    }
    for (ManagedChannel c : open) {
      c.awaitTermination(10, TimeUnit.SECONDS);
    }
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
  }
}
