package dev.aeserve.autoencoders;

import java.util.stream.Collectors;

/** A call the version's family does not serve, such as Sample on a plain autoencoder. */
public final class RpcNotServedException extends RuntimeException {
  public RpcNotServedException(Family family, Rpc rpc) {
    super(rpc.displayName() + " is not served by family '" + family.id() + "'; it serves "
        + family.servedRpcs().stream().map(Rpc::displayName).collect(Collectors.joining(", ")));
  }
}
