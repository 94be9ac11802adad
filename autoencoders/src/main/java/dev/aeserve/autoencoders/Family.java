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
  /**
   * Dense autoencoder: encoder and decoder are stacks of fully connected layers. Sparse and
   * contractive autoencoders are this family with a {@link Regularization} in the spec.
   */
  AE("ae", EnumSet.of(Rpc.ENCODE, Rpc.DECODE, Rpc.RECONSTRUCT)),
  /** Denoising autoencoder: dense, trained to undo the spec's {@link Corruption}. */
  DAE("dae", EnumSet.of(Rpc.ENCODE, Rpc.DECODE, Rpc.RECONSTRUCT, Rpc.DENOISE)),
  /** Beta-VAE: the encoder gives a mean and a log-variance per latent dimension. */
  VAE("vae", EnumSet.of(Rpc.ENCODE, Rpc.DECODE, Rpc.RECONSTRUCT, Rpc.SAMPLE)),
  /** Conditional VAE: a one-hot label joins the encoder's input and the decoder's latent. */
  CVAE("cvae", EnumSet.of(Rpc.ENCODE, Rpc.DECODE, Rpc.RECONSTRUCT, Rpc.SAMPLE)),
  /** Convolutional autoencoder over images given as flattened rows of the spec's inputShape. */
  CONV_AE("conv_ae", EnumSet.of(Rpc.ENCODE, Rpc.DECODE, Rpc.RECONSTRUCT)),
  /** User-based AutoRec over explicit ratings; the loss sees observed entries only. */
  AUTOREC("autorec", EnumSet.of(Rpc.ENCODE, Rpc.RECONSTRUCT, Rpc.RECOMMEND)),
  /** Mult-VAE (Liang et al. 2018) over implicit feedback: multinomial likelihood, annealed KL. */
  MULTVAE("multvae", EnumSet.of(Rpc.ENCODE, Rpc.RECONSTRUCT, Rpc.RECOMMEND)),
  /**
   * EASE (Steck 2019) over implicit feedback: one items x items weight matrix with a zero
   * diagonal, in closed form; a user's code is their item vector, their scores its product with
   * the weights.
   */
  EASE("ease", EnumSet.of(Rpc.ENCODE, Rpc.RECONSTRUCT, Rpc.RECOMMEND));

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

  /** Whether the encoder outputs a mean and a log-variance (vae, cvae, multvae). */
  public boolean variational() {
    return this == VAE || this == CVAE || this == MULTVAE;
  }

  /** Whether rows come with a condition label (cvae). */
  public boolean conditional() {
    return this == CVAE;
  }

  /** Whether rows are users' interaction vectors over an item vocabulary (autorec, multvae, ease). */
  public boolean recommender() {
    return this == AUTOREC || this == MULTVAE || this == EASE;
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
