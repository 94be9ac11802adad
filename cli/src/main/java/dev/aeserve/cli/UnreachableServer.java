package dev.aeserve.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Turns "UNAVAILABLE: io exception" from a server that is not there into what a new user can act
 * on: the address that was tried, and the two ways out (start a server, or point at another one).
 */
final class UnreachableServer {

  private UnreachableServer() {}

  /** The message for {@code failure} when it says nothing listens at the command's --server, else empty. */
  static Optional<String> explain(Throwable failure, CommandLine cmd) {
    Optional<String> why = reason(failure);
    if (why.isEmpty()) {
      return Optional.empty();
    }
    CommandLine.Model.OptionSpec option = cmd.getCommandSpec().findOption("--server");
    String address = option == null ? "the server" : String.valueOf((Object) option.getValue());
    return Optional.of(message(address, why.get()));
  }

  static String message(String address, String why) {
    return "no aeserve server at " + address + " (" + why + "): start one with ./aeserve demo, or pass"
        + " --server HOST:PORT (the address of a running server)";
  }

  /** "connection refused" and the like when the call failed before it reached any server. */
  static Optional<String> reason(Throwable failure) {
    boolean unavailable = false;
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        unavailable = true;
      }
      if (!unavailable) {
        continue;
      }
      if (t instanceof UnknownHostException) {
        return Optional.of("unknown host");
      }
      if (t instanceof NoRouteToHostException) {
        return Optional.of("no route to host");
      }
      if (t instanceof ConnectException) {
        return Optional.of("connection refused");
      }
    }
    return Optional.empty();
  }
}
