package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.WeightsArtifact;

/**
 * A spec's encoder and decoder blocks, whatever the family, and how their parameters move in and
 * out of a {@link WeightsArtifact}. Every family has exactly an encoder and a decoder section, so
 * the artifact format (version 1) is the same for all of them; the spec says how to read it.
 */
public final class Architecture {
  private final AutoencoderSpec spec;

  private Architecture(AutoencoderSpec spec) {
    this.spec = spec;
  }

  public static Architecture of(AutoencoderSpec spec) {
    return new Architecture(spec);
  }

  private boolean convolutional() {
    return spec.family() == Family.CONV_AE;
  }

  /** Columns the encoder block takes: the features, then a cvae's one-hot condition. */
  public int encoderInputWidth() {
    return spec.inputDim() + spec.conditionCount();
  }

  /** Columns the decoder block takes: z, then a cvae's one-hot condition. */
  public int decoderInputWidth() {
    return spec.latentDim() + spec.conditionCount();
  }

  public SequentialBlock newEncoder() {
    if (spec.family() == Family.EASE) {
      return EaseBlocks.encoder();
    }
    return convolutional() ? ConvBlocks.encoder(spec) : DenseBlocks.encoder(spec);
  }

  public SequentialBlock newDecoder() {
    if (spec.family() == Family.EASE) {
      return EaseBlocks.decoder(spec);
    }
    return convolutional() ? ConvBlocks.decoder(spec) : DenseBlocks.decoder(spec);
  }

  /** Loads both sections, checking every layer against the spec (the first mismatch is named). */
  public void load(SequentialBlock encoder, SequentialBlock decoder, WeightsArtifact artifact, NDManager manager) {
    if (spec.family() == Family.EASE) {
      EaseBlocks.load(spec, encoder, decoder, artifact, manager);
    } else if (convolutional()) {
      ConvBlocks.load(encoder, this::newEncoder, new Shape(1, encoderInputWidth()), artifact.encoder(), "encoder",
          manager);
      ConvBlocks.load(decoder, this::newDecoder, new Shape(1, decoderInputWidth()), artifact.decoder(), "decoder",
          manager);
    } else {
      DenseBlocks.load(encoder, artifact.encoder(), "encoder", DenseBlocks.encoderWidths(spec), manager);
      DenseBlocks.load(decoder, artifact.decoder(), "decoder", DenseBlocks.decoderWidths(spec), manager);
    }
  }
}
