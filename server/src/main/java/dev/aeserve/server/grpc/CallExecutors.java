package dev.aeserve.server.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import dev.aeserve.proto.oip.GRPCInferenceServiceGrpc;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Where each gRPC call runs. The server's own executor is direct, and this picks per call:
 *
 * <ul>
 *   <li>The unary inference calls run on the transport thread that read them, with no hand-off:
 *       they only parse, validate and queue, and {@link dev.aeserve.server.inference.Inference}
 *       moves any step that could block (a registry read, a model load) to {@link #mayBlock()}.
 *       An executor queue in front of them was where the backlog of an overload built up, out of
 *       the batcher's sight; without it, admission is the first thing a call meets.
 *   <li>Unless checking the caller's token needs a database read: such a call (the first with a
 *       token, about once per token per cache lifetime) runs on {@link #services()}.
 *   <li>Every other call (registry, rollouts, metadata, health, streams) runs on {@link
 *       #services()}, a cached pool as gRPC's default executor is: they may read and write the
 *       registry and upload artifacts.
 * </ul>
 *
 * <p>Owns both pools; {@link #close()} stops them (after the server has stopped).
 */
public final class CallExecutors implements ServerCallExecutorSupplier, AutoCloseable {

  /** The calls that only validate and queue. */
  static final Set<String> DIRECT = Set.of(
      AutoencoderGrpc.getEncodeMethod().getFullMethodName(),
      AutoencoderGrpc.getDecodeMethod().getFullMethodName(),
      AutoencoderGrpc.getReconstructMethod().getFullMethodName(),
      AutoencoderGrpc.getSampleMethod().getFullMethodName(),
      AutoencoderGrpc.getDenoiseMethod().getFullMethodName(),
      AutoencoderGrpc.getRecommendMethod().getFullMethodName(),
      GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName());

  /** Threads for calls that wait on a registry read or a load; a load is shared by all its waiters. */
  static final int MAY_BLOCK_THREADS = 8;
  /** Calls waiting for one of those threads before more are refused with RESOURCE_EXHAUSTED. */
  static final int MAY_BLOCK_QUEUE = 4096;

  private final ExecutorService services = Executors.newCachedThreadPool(named("aeserve-grpc"));
  private final ThreadPoolExecutor mayBlock = new ThreadPoolExecutor(MAY_BLOCK_THREADS, MAY_BLOCK_THREADS, 60,
      TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAY_BLOCK_QUEUE), named("aeserve-route-load"));
  private final Predicate<Metadata> authFromMemory;

  /**
   * @param authFromMemory whether the authentication interceptor decides a call with these headers
   *     without a database read; {@code h -> true} when authentication is off
   */
  public CallExecutors(Predicate<Metadata> authFromMemory) {
    this.authFromMemory = authFromMemory;
    mayBlock.allowCoreThreadTimeOut(true);
  }

  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    if (DIRECT.contains(call.getMethodDescriptor().getFullMethodName()) && authFromMemory.test(headers)) {
      return MoreExecutors.directExecutor();
    }
    return services;
  }

  /** For everything but the direct calls. */
  public Executor services() {
    return services;
  }

  /** Bounded: where inference calls continue when they need a registry read or a model load. */
  public Executor mayBlock() {
    return mayBlock;
  }

  @Override
  public void close() {
    services.shutdown();
    mayBlock.shutdown();
    try {
      services.awaitTermination(5, TimeUnit.SECONDS);
      mayBlock.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    services.shutdownNow();
    mayBlock.shutdownNow();
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
