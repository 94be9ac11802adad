package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDManager;
import java.lang.ref.Reference;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.Buffer;

/**
 * An {@link NDManager} for DJL's own readers (loading a block's parameters): every call that
 * hands the engine a {@link Buffer} keeps that buffer reachable until the call has returned.
 *
 * <p>Why: DJL's parameter decoding reads each array into a direct buffer and passes it to
 * {@code manager.create(buffer, shape, type)}; for MXNet that ends in
 * {@code MXNDArraySyncCopyFromCPU} with the buffer's address, after which nothing refers to the
 * buffer, so a garbage collection during the native copy may free it under the engine (the
 * problem {@link EngineArrays} solves for arrays aeserve builds itself). DJL's decoding is not
 * ours to fence, but the manager it calls is: this proxy runs {@code decode}'s default body with
 * itself as the manager, so the buffer's allocation and the engine's copy both come back through
 * {@link #invoke}, which holds the arguments until the engine has its copy. Everything else goes
 * straight to the engine's manager, which owns every array made.
 */
final class FencedManager implements InvocationHandler {
  private final NDManager target;

  private FencedManager(NDManager target) {
    this.target = target;
  }

  /** {@code target}, seen through a proxy that fences the buffers it is handed. */
  static NDManager around(NDManager target) {
    return (NDManager) Proxy.newProxyInstance(NDManager.class.getClassLoader(), new Class<?>[] {NDManager.class},
        new FencedManager(target));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getName().equals("decode") && method.isDefault()) {
      // The default body calls back into this manager (allocateDirect, create(Buffer, ...)).
      return InvocationHandler.invokeDefault(proxy, method, args);
    }
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    } finally {
      Reference.reachabilityFence(args);
    }
  }
}
