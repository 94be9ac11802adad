package dev.aeserve.server.console;

import dev.aeserve.server.grpc.StatusMapper;
import io.grpc.Status;

/**
 * The console's HTTP status for a failure: the domain exception is mapped to a gRPC status by
 * {@link StatusMapper} (the one table, DESIGN.md section 6), and that status to its HTTP
 * counterpart here, so a refusal reads the same on both ports.
 */
final class HttpStatuses {

  private HttpStatuses() {}

  record Failure(int http, Status.Code code, String message) {}

  static Failure of(Throwable t) {
    Status status = StatusMapper.toStatus(t).getStatus();
    String message = status.getDescription() == null ? status.getCode().name() : status.getDescription();
    return new Failure(http(status.getCode()), status.getCode(), message);
  }

  static int http(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE, CANCELLED -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }
}
