package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.IncompatibleWeightsException;
import dev.aeserve.autoencoders.InvalidInputException;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.autoencoders.RpcNotServedException;
import dev.aeserve.autoencoders.UnknownItemsException;
import dev.aeserve.registry.ArtifactIntegrityException;
import dev.aeserve.registry.InvalidRegistryRequestException;
import dev.aeserve.registry.ModelAlreadyExistsException;
import dev.aeserve.registry.RegistryNotFoundException;
import dev.aeserve.registry.RegistryOutOfSpaceException;
import dev.aeserve.registry.RegistryStorageException;
import dev.aeserve.registry.UploadKeyConflictException;
import dev.aeserve.registry.VersionStateException;
import dev.aeserve.server.FamilyCapabilityException;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.LatentSpaceMismatchException;
import dev.aeserve.server.LimitExceededException;
import dev.aeserve.server.PermissionDeniedException;
import dev.aeserve.server.ServerUnavailableException;
import dev.aeserve.server.UnauthenticatedException;
import dev.aeserve.server.VersionFailedException;
import dev.aeserve.server.batching.CallCancelledException;
import dev.aeserve.server.batching.DeadlineExpiredException;
import dev.aeserve.server.batching.QueueFullException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where domain exceptions become gRPC statuses (DESIGN.md section 6). Domain code
 * throws plain unchecked exceptions; this table decides what a caller sees. Anything not in the
 * table is a bug: the caller gets INTERNAL with a generic message and the detail goes to the log.
 */
public final class StatusMapper {

  private static final Logger log = LoggerFactory.getLogger(StatusMapper.class);

  private static final Map<Class<? extends Throwable>, Status.Code> CODES = Map.ofEntries(
      Map.entry(InvalidRequestException.class, Status.Code.INVALID_ARGUMENT),
      Map.entry(InvalidInputException.class, Status.Code.INVALID_ARGUMENT),
      Map.entry(InvalidSpecException.class, Status.Code.INVALID_ARGUMENT),
      Map.entry(IncompatibleWeightsException.class, Status.Code.INVALID_ARGUMENT),
      Map.entry(InvalidRegistryRequestException.class, Status.Code.INVALID_ARGUMENT),
      Map.entry(RegistryNotFoundException.class, Status.Code.NOT_FOUND),
      // A history none of whose items the vocabulary knows: the items are what is not found.
      Map.entry(UnknownItemsException.class, Status.Code.NOT_FOUND),
      Map.entry(ModelAlreadyExistsException.class, Status.Code.ALREADY_EXISTS),
      // An upload key reused for other bytes: the version it created exists, and the message names it.
      Map.entry(UploadKeyConflictException.class, Status.Code.ALREADY_EXISTS),
      Map.entry(RpcNotServedException.class, Status.Code.FAILED_PRECONDITION),
      Map.entry(LatentSpaceMismatchException.class, Status.Code.FAILED_PRECONDITION),
      Map.entry(FamilyCapabilityException.class, Status.Code.FAILED_PRECONDITION),
      Map.entry(VersionStateException.class, Status.Code.FAILED_PRECONDITION),
      Map.entry(VersionFailedException.class, Status.Code.FAILED_PRECONDITION),
      // Stored weights that no longer match their hash: the gRPC code for corrupted data.
      Map.entry(ArtifactIntegrityException.class, Status.Code.DATA_LOSS),
      Map.entry(LimitExceededException.class, Status.Code.RESOURCE_EXHAUSTED),
      Map.entry(ServerUnavailableException.class, Status.Code.UNAVAILABLE),
      // The database failed or is unreachable: a retry may succeed, and the caller did nothing wrong.
      Map.entry(RegistryStorageException.class, Status.Code.UNAVAILABLE),
      // The database's disk is full: a write was refused whole; it succeeds once space is freed.
      Map.entry(RegistryOutOfSpaceException.class, Status.Code.RESOURCE_EXHAUSTED),
      Map.entry(QueueFullException.class, Status.Code.RESOURCE_EXHAUSTED),
      Map.entry(DeadlineExpiredException.class, Status.Code.DEADLINE_EXCEEDED),
      Map.entry(CallCancelledException.class, Status.Code.CANCELLED),
      Map.entry(UnauthenticatedException.class, Status.Code.UNAUTHENTICATED),
      Map.entry(PermissionDeniedException.class, Status.Code.PERMISSION_DENIED));

  /**
   * Trailer with the server's retry hint, in the name gRPC's retry policy reads: a client with a
   * service-config retry policy waits this long before retrying a RESOURCE_EXHAUSTED call, or an
   * UNAVAILABLE one (registry database unreachable, server starting).
   */
  public static final Metadata.Key<String> RETRY_PUSHBACK_MS =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  /** Retry hint when the registry's database cannot be reached: about one reconnect attempt. */
  static final long REGISTRY_RETRY_MILLIS = 1000;
  /** Retry hint while the server starts or drains. */
  static final long STARTING_RETRY_MILLIS = 500;

  private StatusMapper() {}

  /** The status a caller should see for {@code t}. */
  public static StatusRuntimeException toStatus(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (cause instanceof StatusException se) {
      return se.getStatus().asRuntimeException(se.getTrailers());
    }
    Status.Code code = CODES.get(cause.getClass());
    if (code == null) {
      log.error("internal error", cause);
      return Status.INTERNAL.withDescription("internal error; see the server log").asRuntimeException();
    }
    Metadata trailers = new Metadata();
    if (cause instanceof QueueFullException full) {
      trailers.put(RETRY_PUSHBACK_MS, Long.toString(full.retryAfterMillis()));
    } else if (cause instanceof RegistryStorageException || cause instanceof RegistryOutOfSpaceException) {
      trailers.put(RETRY_PUSHBACK_MS, Long.toString(REGISTRY_RETRY_MILLIS));
    } else if (cause instanceof ServerUnavailableException) {
      trailers.put(RETRY_PUSHBACK_MS, Long.toString(STARTING_RETRY_MILLIS));
    }
    return Status.fromCode(code).withDescription(cause.getMessage()).asRuntimeException(trailers);
  }

  /** The domain exception classes the table knows, for tests and documentation. */
  public static Map<Class<? extends Throwable>, Status.Code> table() {
    return CODES;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof CompletionException || cur instanceof ExecutionException) && cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur;
  }
}
