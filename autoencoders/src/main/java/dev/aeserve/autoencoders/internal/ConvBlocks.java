package dev.aeserve.autoencoders.internal;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.IncompatibleWeightsException;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Blocks of the {@code conv_ae} family. Rows stay flat at the interface and are reshaped inside.
 *
 * <p>Encoder: per stage a 3x3 convolution (padding 1) with the stage's channels, the hidden
 * activation and a 2x2 max-pool (floor), so sizes go h, floor(h/2), ...; then flatten, the dense
 * hidden layers and a linear layer to z. Decoder: dense hidden layers mirrored, a linear layer
 * to the last stage's feature maps with the hidden activation, then per stage a nearest
 * upsampling by 2 (repeating the last row or column when the encoder's size was odd, so every
 * size is restored exactly) and a 3x3 convolution back to the previous stage's channels; the
 * last one has the image's channels and the output activation. Upsampling instead of transposed
 * convolutions keeps the blocks to operators that MXNet and PyTorch compute alike.
 */
public final class ConvBlocks {
  private ConvBlocks() {}

  /** Spatial sizes per stage, [h, w] first: floor halving per pooling stage. */
  static int[][] sizes(AutoencoderSpec spec) {
    int stages = spec.convChannels().size();
    int[][] sizes = new int[stages + 1][2];
    sizes[0][0] = spec.inputShape().get(1);
    sizes[0][1] = spec.inputShape().get(2);
    for (int i = 1; i <= stages; i++) {
      sizes[i][0] = sizes[i - 1][0] / 2;
      sizes[i][1] = sizes[i - 1][1] / 2;
    }
    return sizes;
  }

  public static SequentialBlock encoder(AutoencoderSpec spec) {
    List<Integer> shape = spec.inputShape();
    int channels = shape.get(0);
    int height = shape.get(1);
    int width = shape.get(2);
    SequentialBlock block = new SequentialBlock();
    block.add(new LambdaBlock(in -> new NDList(in.singletonOrThrow().reshape(-1, channels, height, width)), "toImage"));
    for (int c : spec.convChannels()) {
      block.add(conv(c));
      block.add(DenseBlocks.activation(spec.activation()));
      block.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
    }
    block.add(Blocks.batchFlattenBlock());
    for (int units : spec.hiddenLayers()) {
      block.add(Linear.builder().setUnits(units).build());
      block.add(DenseBlocks.activation(spec.activation()));
    }
    block.add(Linear.builder().setUnits(spec.latentDim()).build());
    return block;
  }

  public static SequentialBlock decoder(AutoencoderSpec spec) {
    List<Integer> channels = spec.convChannels();
    int stages = channels.size();
    int[][] sizes = sizes(spec);
    int last = channels.get(stages - 1);
    SequentialBlock block = new SequentialBlock();
    List<Integer> hidden = spec.hiddenLayers();
    for (int i = hidden.size() - 1; i >= 0; i--) {
      block.add(Linear.builder().setUnits(hidden.get(i)).build());
      block.add(DenseBlocks.activation(spec.activation()));
    }
    int h = sizes[stages][0];
    int w = sizes[stages][1];
    block.add(Linear.builder().setUnits((long) last * h * w).build());
    block.add(DenseBlocks.activation(spec.activation()));
    block.add(new LambdaBlock(in -> new NDList(in.singletonOrThrow().reshape(-1, last, h, w)), "toMaps"));
    for (int stage = stages - 1; stage >= 0; stage--) {
      int targetH = sizes[stage][0];
      int targetW = sizes[stage][1];
      block.add(new LambdaBlock(in -> new NDList(upsample(in.singletonOrThrow(), targetH, targetW)), "upsample"));
      boolean output = stage == 0;
      block.add(conv(output ? spec.inputShape().get(0) : channels.get(stage - 1)));
      String activation = output ? spec.outputActivation() : spec.activation();
      if (!activation.equals("identity")) {
        block.add(DenseBlocks.activation(activation));
      }
    }
    block.add(Blocks.batchFlattenBlock());
    return block;
  }

  private static Conv2d conv(int filters) {
    return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters).build();
  }

  /** Nearest-neighbour upsampling by 2 to exactly (h, w): h is 2 * input or one more. */
  static NDArray upsample(NDArray x, int h, int w) {
    NDArray up = x.repeat(2, 2).repeat(3, 2);
    if (up.getShape().get(2) < h) {
      up = up.concat(up.get(":, :, -1:, :"), 2);
    }
    if (up.getShape().get(3) < w) {
      up = up.concat(up.get(":, :, :, -1:"), 3);
    }
    return up;
  }

  /**
   * Loads one artifact section and checks every parameter's shape against a twin of the block
   * initialized from the spec, naming the first mismatch. DJL does not check shapes on load.
   */
  public static void load(SequentialBlock block, Supplier<SequentialBlock> twin, Shape inputShape, byte[] bytes,
      String section, NDManager manager) {
    List<Pair<String, Shape>> wanted = new ArrayList<>();
    try (NDManager scratch = manager.newSubManager()) {
      SequentialBlock expected = twin.get();
      expected.initialize(scratch, DataType.FLOAT32, inputShape);
      for (Pair<String, Parameter> p : expected.getParameters()) {
        wanted.add(new Pair<>(p.getKey(), p.getValue().getArray().getShape()));
      }
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      block.loadParameters(FencedManager.around(manager), in);
      if (in.available() > 0) {
        throw new IncompatibleWeightsException(section + " section has " + in.available()
            + " bytes left after the spec's layers: the artifact has more blocks than the spec");
      }
    } catch (IncompatibleWeightsException e) {
      throw e;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      requireShapes(block.getParameters(), wanted, section, true);
      throw new IncompatibleWeightsException(section + " section is not DJL parameters for this spec: "
          + e.getMessage(), e);
    }
    requireShapes(block.getParameters(), wanted, section, false);
  }

  private static void requireShapes(PairList<String, Parameter> actual, List<Pair<String, Shape>> wanted,
      String section, boolean onlyLoaded) {
    for (int i = 0; i < wanted.size(); i++) {
      Parameter p = actual.get(i).getValue();
      String name = wanted.get(i).getKey();
      if (p == null || !p.isInitialized()) {
        if (onlyLoaded) {
          return;
        }
        throw new IncompatibleWeightsException(section + " parameter " + name + " is missing from the artifact");
      }
      Shape shape = p.getArray().getShape();
      if (!shape.equals(wanted.get(i).getValue())) {
        throw new IncompatibleWeightsException(section + " parameter " + name + " is " + shape
            + " in the artifact, spec wants " + wanted.get(i).getValue());
      }
    }
  }
}
