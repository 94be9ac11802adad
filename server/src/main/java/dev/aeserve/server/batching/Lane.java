package dev.aeserve.server.batching;

import dev.aeserve.autoencoders.Rpc;
import java.util.Objects;

/**
 * A typed name for one of a scheduler's queues: what a request puts in ({@code I}) and what it
 * gets back ({@code O}). {@link VersionScheduler#register} and {@link VersionScheduler#submit}
 * take the same key, so a request can only be queued on a lane whose kernel takes its type.
 * Lanes compare by identity: each is a constant of the code that defines it.
 *
 * @param <I> a request's input on this lane
 * @param <O> what one request gets back
 */
public final class Lane<I, O> {

  private final String name;
  private final Rpc rpc;

  /**
   * @param name for logs and errors, e.g. "encode" or "reconstruct/neg_elbo"
   * @param rpc the RPC its batches are counted under in metrics
   */
  public Lane(String name, Rpc rpc) {
    this.name = Objects.requireNonNull(name, "name");
    this.rpc = Objects.requireNonNull(rpc, "rpc");
  }

  public String name() {
    return name;
  }

  public Rpc rpc() {
    return rpc;
  }

  @Override
  public String toString() {
    return name;
  }
}
