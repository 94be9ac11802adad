package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import dev.aeserve.autoencoders.InvalidInputException;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.RpcNotServedException;
import dev.aeserve.autoencoders.UnknownItemsException;
import dev.aeserve.registry.ArtifactIntegrityException;
import dev.aeserve.registry.InvalidRegistryRequestException;
import dev.aeserve.registry.ModelAlreadyExistsException;
import dev.aeserve.registry.RegistryNotFoundException;
import dev.aeserve.registry.RegistryOutOfSpaceException;
import dev.aeserve.registry.RegistryStorageException;
import dev.aeserve.registry.VersionStateException;
import dev.aeserve.server.grpc.StatusMapper;
import dev.aeserve.server.batching.CallCancelledException;
import dev.aeserve.server.batching.DeadlineExpiredException;
import dev.aeserve.server.batching.QueueFullException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The status table of DESIGN.md section 6, row by row. */
class StatusMapperTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(new InvalidRequestException("m"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new InvalidInputException("m"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new InvalidSpecException("m"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new IncompatibleWeightsException("m"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new InvalidRegistryRequestException("m"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(new RegistryNotFoundException("m"), Status.Code.NOT_FOUND),
        Arguments.of(new UnknownItemsException(0, java.util.List.of("x")), Status.Code.NOT_FOUND),
        Arguments.of(new ModelAlreadyExistsException("m"), Status.Code.ALREADY_EXISTS),
        Arguments.of(new dev.aeserve.registry.UploadKeyConflictException("m"), Status.Code.ALREADY_EXISTS),
        Arguments.of(new RpcNotServedException(Family.AE, Rpc.SAMPLE), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new LatentSpaceMismatchException("m"), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new FamilyCapabilityException("m"), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new VersionStateException("m"), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new VersionFailedException("m", null), Status.Code.FAILED_PRECONDITION),
        Arguments.of(new ArtifactIntegrityException("m"), Status.Code.DATA_LOSS),
        Arguments.of(new LimitExceededException("m"), Status.Code.RESOURCE_EXHAUSTED),
        Arguments.of(new ServerUnavailableException("m"), Status.Code.UNAVAILABLE),
        Arguments.of(new RegistryStorageException("m", null), Status.Code.UNAVAILABLE),
        Arguments.of(new RegistryOutOfSpaceException("m", null), Status.Code.RESOURCE_EXHAUSTED),
        Arguments.of(new QueueFullException("m", 7), Status.Code.RESOURCE_EXHAUSTED),
        Arguments.of(new DeadlineExpiredException("m"), Status.Code.DEADLINE_EXCEEDED),
        Arguments.of(new CallCancelledException("m"), Status.Code.CANCELLED),
        Arguments.of(new UnauthenticatedException("m"), Status.Code.UNAUTHENTICATED),
        Arguments.of(new PermissionDeniedException("m"), Status.Code.PERMISSION_DENIED));
  }

  @ParameterizedTest
  @MethodSource("table")
  void mapsDomainExceptionsToTheirCodeWithTheirMessage(RuntimeException e, Status.Code code) {
    // (each row's message passes through unchanged)
    StatusRuntimeException s = StatusMapper.toStatus(e);
    assertThat(s.getStatus().getCode()).isEqualTo(code);
    assertThat(s.getStatus().getDescription()).isEqualTo(e.getMessage());
  }

  @Test
  void everyTableEntryIsCovered() {
    Set<Class<?>> covered = table().map(a -> a.get()[0].getClass()).collect(Collectors.toSet());
    assertThat(StatusMapper.table().keySet()).allSatisfy(c -> assertThat(covered).contains(c));
  }

  @Test
  void aFullQueueCarriesARetryHintInTheTrailers() {
    StatusRuntimeException s = StatusMapper.toStatus(new QueueFullException("full", 12));
    assertThat(s.getTrailers().get(StatusMapper.RETRY_PUSHBACK_MS)).isEqualTo("12");
  }

  @Test
  void unwrapsCompletionExceptions() {
    StatusRuntimeException s = StatusMapper.toStatus(new CompletionException(new RegistryNotFoundException("gone")));
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void bugsBecomeInternalWithoutLeakingDetail() {
    StatusRuntimeException s = StatusMapper.toStatus(new NullPointerException("secret detail"));
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getStatus().getDescription()).doesNotContain("secret");
  }
}
