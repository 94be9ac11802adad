package dev.aeserve.autoencoders;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An autoencoder family: how a spec becomes blocks and which RPCs its versions serve.
 *
 * <p>Only families that are really implemented are listed; a spec naming any other is refused
 * with {@link InvalidSpecException} rather than half-served.
 */
public enum Family {
  /** Dense autoencoder: encoder and decoder are stacks of fully connected layers. */
  AE("ae", EnumSet.of(Rpc.ENCODE, Rpc.DECODE, Rpc.RECONSTRUCT));

  private final String id;
  private final Set<Rpc> served;

  Family(String id, Set<Rpc> served) {
    this.id = id;
    this.served = served;
  }

  /** The name used in specs, on the wire and on the command line, such as {@code ae}. */
  @JsonValue
  public String id() {
    return id;
  }

  public Set<Rpc> servedRpcs() {
    return served;
  }

  public boolean serves(Rpc rpc) {
    return served.contains(rpc);
  }

  /** Throws {@link RpcNotServedException} naming the family and the RPCs it does serve. */
  public void requireServes(Rpc rpc) {
    if (!serves(rpc)) {
      throw new RpcNotServedException(this, rpc);
    }
  }

  @JsonCreator
  public static Family fromId(String id) {
    String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(f -> f.id.equals(wanted))
        .findFirst()
        .orElseThrow(() -> new InvalidSpecException("unknown family '" + id + "'; supported: "
            + Arrays.stream(values()).map(Family::id).collect(Collectors.joining(", "))));
  }
}
