package dev.aeserve.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A call that failed, with the server's status code and the message that says why. */
public final class AeserveException extends RuntimeException {

  private final Status.Code code;

  AeserveException(StatusRuntimeException e) {
    super(e.getStatus().getCode() + ": " + e.getStatus().getDescription(), e);
    this.code = e.getStatus().getCode();
  }

  public Status.Code code() {
    return code;
  }
}
