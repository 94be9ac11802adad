package dev.aeserve.autoencoders;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The condition labels of a call to a conditional family (cvae): one label index per row, or
 * one index for every row. Indices refer to the spec's {@code conditionLabels}. Other families
 * take {@link #NONE}.
 */
public final class Conditions {
  /** No conditions: what every family except cvae takes. */
  public static final Conditions NONE = new Conditions(null, Integer.MIN_VALUE);

  private final int[] perRow;
  private final int forAll;

  private Conditions(int[] perRow, int forAll) {
    this.perRow = perRow;
    this.forAll = forAll;
  }

  /** One label index per row, in row order. */
  public static Conditions perRow(int... indices) {
    Objects.requireNonNull(indices, "indices");
    return new Conditions(indices.clone(), 0);
  }

  /** The same label index for every row. */
  public static Conditions all(int index) {
    return new Conditions(null, index);
  }

  /**
   * Label names to indices through the spec's {@code conditionLabels}.
   *
   * @throws InvalidInputException for a name the spec does not list
   */
  public static Conditions named(AutoencoderSpec spec, List<String> labels) {
    Objects.requireNonNull(labels, "labels");
    int[] indices = new int[labels.size()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = indexOf(spec, labels.get(i));
    }
    return new Conditions(indices, 0);
  }

  /** One label name for every row. */
  public static Conditions named(AutoencoderSpec spec, String label) {
    return new Conditions(null, indexOf(spec, label));
  }

  public boolean isNone() {
    return perRow == null && forAll == Integer.MIN_VALUE;
  }

  /**
   * One checked label index per row.
   *
   * @return null for a family without conditions (which must be given {@link #NONE})
   * @throws InvalidInputException when a conditional family gets none, a non-conditional one gets
   *     some, the count differs from the rows, or an index is out of range
   */
  public int[] resolve(AutoencoderSpec spec, int rows) {
    int labels = spec.conditionCount();
    if (!spec.family().conditional()) {
      if (!isNone()) {
        throw new InvalidInputException("family '" + spec.family().id() + "' takes no conditions");
      }
      return null;
    }
    if (isNone()) {
      throw new InvalidInputException("family '" + spec.family().id() + "' needs a condition per row or one for all ("
          + labels + " labels: " + String.join(", ", spec.conditionLabels()) + ")");
    }
    int[] out;
    if (perRow != null) {
      if (perRow.length != rows) {
        throw new InvalidInputException(perRow.length + " conditions for " + rows + " rows");
      }
      out = perRow.clone();
    } else {
      out = new int[rows];
      Arrays.fill(out, forAll);
    }
    for (int r = 0; r < out.length; r++) {
      if (out[r] < 0 || out[r] >= labels) {
        throw new InvalidInputException("condition " + out[r] + (perRow != null ? " of row " + r : "")
            + " is out of range: the model has " + labels + " labels (0 to " + (labels - 1) + ")");
      }
    }
    return out;
  }

  private static int indexOf(AutoencoderSpec spec, String label) {
    List<String> names = spec.conditionLabels();
    if (names == null) {
      throw new InvalidInputException("family '" + spec.family().id() + "' takes no conditions");
    }
    int i = names.indexOf(label);
    if (i < 0) {
      throw new InvalidInputException("unknown condition label '" + Texts.capped(label) + "'; the model knows "
          + String.join(", ", names));
    }
    return i;
  }

  @Override
  public String toString() {
    return isNone() ? "Conditions[none]" : perRow != null ? "Conditions" + Arrays.toString(perRow)
        : "Conditions[all " + forAll + "]";
  }
}
