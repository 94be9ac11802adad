package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Rpc;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The tensors and parameters of one operation as a v2 model: what ModelMetadata declares and what
 * ModelInfer accepts. Without a spec it is the operation's whole vocabulary (every name any family
 * may take, widths -1), which is what a request is checked against before it is routed; with a
 * spec it is what that version takes and gives, with its widths. docs/api.md has the same table.
 */
record InferSignature(List<Tensor> inputs, List<Tensor> outputs, Set<String> parameters) {

  /**
   * @param shape -1 for a dimension of any size
   * @param optional for an input, whether a request may leave it out; for an output, whether it is
   *     returned only when the request names it (others are returned whenever they apply)
   */
  record Tensor(String name, String datatype, List<Long> shape, boolean optional) {}

  static final String FP32 = "FP32";
  static final String BYTES = "BYTES";
  static final String BOOL = "BOOL";
  static final String INT64 = "INT64";

  /** Selection options every operation takes. */
  static final List<String> ROUTING = List.of("routing_key", "alias");

  static InferSignature of(Rpc rpc, AutoencoderSpec spec) {
    long d = spec == null ? -1 : spec.inputDim();
    long l = spec == null ? -1 : spec.latentDim();
    boolean conditional = spec == null || spec.family().conditional();
    boolean variational = spec == null || spec.family().variational();
    List<Tensor> in = new ArrayList<>();
    List<Tensor> out = new ArrayList<>();
    Set<String> params = new LinkedHashSet<>(ROUTING);
    switch (rpc) {
      case ENCODE -> {
        in.add(rows("input", d));
        condition(in, conditional);
        out.add(rows("latent", l));
        if (variational) {
          out.add(rows("log_variance", l));
          out.add(rows("sample", l));
        }
        params.addAll(List.of("sample", "seed"));
      }
      case DECODE -> {
        in.add(rows("latent", l));
        condition(in, conditional);
        out.add(rows("output", d));
        params.add("latent_fingerprint");
      }
      case RECONSTRUCT -> {
        in.add(rows("input", d));
        condition(in, conditional);
        out.add(rows("output", d));
        out.add(new Tensor("score", FP32, List.of(-1L), false));
        out.add(new Tensor("anomalous", BOOL, List.of(-1L), false));
        out.add(new Tensor("outside_domain", BYTES, List.of(-1L), false));
        out.add(optional(rows("feature_errors", d)));
        params.add("score_kind");
      }
      case SAMPLE -> {
        condition(in, conditional);
        in.add(new Tensor("interpolation_inputs", FP32, List.of(2L, d), true));
        in.add(new Tensor("interpolation_latents", FP32, List.of(2L, l), true));
        out.add(rows("sample", d));
        out.add(rows("latent", l));
        params.addAll(List.of("count", "seed", "temperature", "interpolation_steps", "interpolation_method"));
      }
      case DENOISE -> {
        in.add(rows("input", d));
        out.add(rows("output", d));
        out.add(optional(rows("corrupted", d)));
        out.add(new Tensor("clean_error", FP32, List.of(-1L), false));
        params.addAll(List.of("gaussian_sigma", "mask_probability", "salt_pepper_probability", "clip_min", "clip_max",
            "corruption_seed"));
      }
      case RECOMMEND -> {
        in.add(new Tensor("item_id", BYTES, List.of(-1L, -1L), false));
        in.add(new Tensor("value", FP32, List.of(-1L, -1L), true));
        in.add(new Tensor("user_id", BYTES, List.of(-1L), true));
        in.add(new Tensor("candidate_items", BYTES, List.of(-1L), true));
        in.add(new Tensor("excluded_items", BYTES, List.of(-1L), true));
        out.add(new Tensor("item_id", BYTES, List.of(-1L, -1L), false));
        out.add(new Tensor("score", FP32, List.of(-1L, -1L), false));
        out.add(new Tensor("unknown_item_count", INT64, List.of(-1L), false));
        params.addAll(List.of("k", "exclude_seen"));
      }
    }
    return new InferSignature(List.copyOf(in), List.copyOf(out), Set.copyOf(params));
  }

  Tensor input(String name) {
    return find(inputs, name);
  }

  Tensor output(String name) {
    return find(outputs, name);
  }

  private static Tensor find(List<Tensor> tensors, String name) {
    for (Tensor t : tensors) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  private static Tensor rows(String name, long width) {
    return new Tensor(name, FP32, List.of(-1L, width), false);
  }

  private static Tensor optional(Tensor t) {
    return new Tensor(t.name(), t.datatype(), t.shape(), true);
  }

  private static void condition(List<Tensor> in, boolean conditional) {
    if (conditional) {
      // One label per row, or one for every row.
      in.add(new Tensor("condition", BYTES, List.of(-1L), true));
    }
  }
}
