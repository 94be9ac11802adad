package dev.aeserve.server.console;

import dev.aeserve.autoencoders.AutoencoderSpec;
import java.util.List;
import java.util.Optional;

/**
 * How a row of a model's inputs looks as a picture: channels (1 grey, 3 colour, stored
 * channel-first), height and width. A conv_ae says so in its spec; a dense model whose width is a
 * square (784 = 28 x 28) is drawn as a square grey image. Recommenders' rows are item vectors, not
 * pictures.
 */
public record ImageShape(int channels, int height, int width) {

  /** Smaller squares (a 16-wide row as 4 x 4) are features, not images. */
  static final int MIN_SIDE = 8;

  public ImageShape {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("an image has 1 or 3 channels, got " + channels);
    }
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("an image needs a positive height and width, got " + height + "x" + width);
    }
  }

  public int values() {
    return channels * height * width;
  }

  /** The shape of the spec's input rows as pictures, or empty when they are not pictures. */
  public static Optional<ImageShape> of(AutoencoderSpec spec) {
    if (spec.family().recommender()) {
      return Optional.empty();
    }
    List<Integer> shape = spec.inputShape();
    if (shape != null && shape.size() == 3 && (shape.get(0) == 1 || shape.get(0) == 3)) {
      return Optional.of(new ImageShape(shape.get(0), shape.get(1), shape.get(2)));
    }
    int side = (int) Math.round(Math.sqrt(spec.inputDim()));
    if (side >= MIN_SIDE && side * side == spec.inputDim()) {
      return Optional.of(new ImageShape(1, side, side));
    }
    return Optional.empty();
  }
}
