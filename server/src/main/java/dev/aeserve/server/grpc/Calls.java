package dev.aeserve.server.grpc;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Runs a unary call's body and completes the observer exactly once, mapping failures to statuses. */
final class Calls {

  private Calls() {}

  static <T> void unary(StreamObserver<T> observer, Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (Throwable t) {
      observer.onError(StatusMapper.toStatus(t));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}
