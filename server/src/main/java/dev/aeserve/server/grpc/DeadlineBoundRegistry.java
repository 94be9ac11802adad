package dev.aeserve.server.grpc;

import static java.util.Objects.requireNonNull;

import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.RegistryCallScope;
import dev.aeserve.registry.RegistryStorageException;
import dev.aeserve.server.batching.CallCancelledException;
import io.grpc.Context;
import io.grpc.Deadline;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ModelRegistry} whose every call answers within the caller's gRPC deadline or the
 * budget (2 s by default), whichever is shorter: when the database is down or hung the call ends
 * with {@link RegistryStorageException} (UNAVAILABLE with a retry hint) instead of waiting on the
 * pool. The registry work runs in a {@link RegistryCallScope} with the same deadline, and is
 * cancelled (its SQL too) when the caller cancels or the time is up.
 *
 * <p>Uploads and artifact reads move the whole artifact and are bounded by the caller's deadline
 * alone; subscriptions are not calls and pass straight through.
 */
public final class DeadlineBoundRegistry implements AutoCloseable {

  private static final Set<String> BULK = Set.of("createVersion", "loadArtifact");
  private static final Set<String> PASS_THROUGH = Set.of("subscribe", "close", "equals", "hashCode", "toString");

  private static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final ModelRegistry target;
  private final long budgetNanos;
  private final ExecutorService calls;
  private final ModelRegistry bounded;

  public DeadlineBoundRegistry(ModelRegistry target, Duration budget) {
    this.target = requireNonNull(target, "target");
    this.budgetNanos = requireNonNull(budget, "budget").toNanos();
    AtomicInteger n = new AtomicInteger();
    this.calls = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "aeserve-registry-call-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.bounded = (ModelRegistry) Proxy.newProxyInstance(ModelRegistry.class.getClassLoader(),
        new Class<?>[] {ModelRegistry.class}, new Bound());
  }

  /** The registry to hand to services. */
  public ModelRegistry registry() {
    return bounded;
  }

  private final class Bound implements InvocationHandler {
    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (PASS_THROUGH.contains(method.getName())) {
        return invokeTarget(method, args);
      }
      Context context = Context.current();
      Deadline deadline = context.getDeadline();
      long wait = BULK.contains(method.getName()) ? Long.MAX_VALUE : budgetNanos;
      if (deadline != null) {
        // Answer a little before the deadline, so the caller hears UNAVAILABLE, not DEADLINE_EXCEEDED.
        long left = deadline.timeRemaining(TimeUnit.NANOSECONDS);
        wait = Math.min(wait, left - Math.min(MARGIN_NANOS, left / 10));
      }
      if (wait <= 0) {
        throw new RegistryStorageException("no time left for the registry call " + method.getName()
            + " within the caller's deadline", null);
      }
      RegistryCallScope scope = new RegistryCallScope(wait);
      Future<Object> result = calls.submit(() -> scope.run(() -> {
        try {
          return invokeTarget(method, args);
        } catch (RuntimeException | Error e) {
          throw e;
        } catch (Throwable t) {
          throw new IllegalStateException(t);
        }
      }));
      Context.CancellationListener onCancel = c -> {
        cancelLater(scope);
        result.cancel(true);
      };
      context.addListener(onCancel, Runnable::run);
      try {
        return wait == Long.MAX_VALUE ? result.get() : result.get(wait, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        cancelLater(scope);
        result.cancel(true);
        throw new RegistryStorageException("the registry database did not answer " + method.getName() + " within "
            + TimeUnit.NANOSECONDS.toMillis(wait) + " ms; it may be down or overloaded; retry later", e);
      } catch (CancellationException e) {
        throw new CallCancelledException("the caller cancelled the registry call " + method.getName());
      } catch (ExecutionException e) {
        throw e.getCause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancelLater(scope);
        result.cancel(true);
        throw new CallCancelledException("interrupted while waiting for the registry call " + method.getName());
      } finally {
        context.removeListener(onCancel);
      }
    }

    /**
     * Cancels the call's SQL off the caller's path. Postgres's cancel opens a new connection and
     * waits for the server to close it: against a hung database that takes the driver's cancel
     * timeout (10 s), and the caller must hear UNAVAILABLE within its budget, not after that.
     */
    private void cancelLater(RegistryCallScope scope) {
      try {
        calls.execute(scope::cancel);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // shutting down: the pool's connections close anyway
      }
    }

    private Object invokeTarget(Method method, Object[] args) throws Throwable {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  @Override
  public void close() {
    calls.shutdownNow();
  }
}
