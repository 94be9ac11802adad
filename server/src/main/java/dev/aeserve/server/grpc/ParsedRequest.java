package dev.aeserve.server.grpc;

/**
 * What a guarded method's request bytes parsed to: the message, or why they did not parse. Seen
 * by the interceptors the server builder installs (the request log) in place of the message.
 */
public final class ParsedRequest<T> {

  private final T message;
  private final String failure;

  private ParsedRequest(T message, String failure) {
    this.message = message;
    this.failure = failure;
  }

  static <T> ParsedRequest<T> of(T message) {
    return new ParsedRequest<>(message, null);
  }

  static <T> ParsedRequest<T> failed(String reason) {
    return new ParsedRequest<>(null, reason);
  }

  /** The message, or null when the bytes did not parse. */
  public T message() {
    return message;
  }

  /** Why the bytes did not parse, or null when they did. */
  public String failure() {
    return failure;
  }

  @Override
  public String toString() {
    return failure == null ? String.valueOf(message) : "unparseable request: " + failure;
  }
}
