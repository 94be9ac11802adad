package dev.aeserve.autoencoders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What an exported encoder and decoder graph mean, so every RPC knows what to do with them: the
 * family's semantics, which tensor is which, the sizes, the default score and the input contract.
 * Parsed once, field by field; every refusal names the field (see docs/spec.md, "Import
 * manifest").
 *
 * @param format {@code onnx} or {@code torchscript}
 * @param family {@code ae}, {@code dae} (x -> z -> x'), {@code vae} (the encoder returns mean
 *     and log-variance, the decoder maps z to x') or {@code multvae} (a Mult-VAE-style recommender:
 *     an item vector in, mean and log-variance, item logits out)
 * @param inputDim features per input row
 * @param latentDim size of z
 * @param encoderInput the encoder graph's input tensor: rows x inputDim, float32
 * @param encoderOutput ae, dae: the encoder's output tensor z (rows x latentDim); null for vae
 * @param encoderMean vae: the encoder's posterior mean (rows x latentDim); null otherwise
 * @param encoderLogVariance vae: the encoder's posterior log-variance; null otherwise
 * @param decoderInput the decoder graph's input tensor: rows x latentDim, float32
 * @param decoderOutput the decoder's output tensor x': rows x inputDim
 * @param score the default Reconstruct score: {@code mse} or {@code bce} (bce: the decoder outputs
 *     probabilities in (0, 1)); vae also scores {@code neg_elbo} on request
 * @param inputDomain the input values the model was trained on; null derives it as for native
 *     versions
 * @param standardization applied in aeserve before the encoder and undone after the decoder;
 *     null when the graphs take raw inputs (the usual case: standardize inside the graph)
 * @param goldenBatch rows the import runs before it is accepted (and warm-up after); null to
 *     run generated rows within the input domain
 * @param itemIds multvae: the item vocabulary, one id per input column (and decoder logit), in
 *     column order; null for the other families
 */
public record ImportManifest(
    String format,
    Family family,
    int inputDim,
    int latentDim,
    String encoderInput,
    String encoderOutput,
    String encoderMean,
    String encoderLogVariance,
    String decoderInput,
    String decoderOutput,
    String score,
    InputDomain inputDomain,
    AutoencoderSpec.Standardization standardization,
    GoldenBatch goldenBatch,
    List<String> itemIds) {

  public static final String ONNX = "onnx";
  public static final String TORCHSCRIPT = "torchscript";
  /** Families whose graphs map onto the RPCs without a condition or a vocabulary. */
  public static final Set<Family> FAMILIES = Set.of(Family.AE, Family.DAE, Family.VAE, Family.MULTVAE);
  private static final Set<String> TOP_KEYS = Set.of("format", "family", "inputDim", "latentDim", "encoder",
      "decoder", "score", "inputDomain", "standardization", "goldenBatch", "itemIds");
  /** The one score a multvae's spec carries (its Reconstruct default is neg_elbo, as for native ones). */
  private static final String MULTINOMIAL = "multinomial";
  private static final ObjectMapper JSON = new ObjectMapper();

  public ImportManifest {
    if (!ONNX.equals(format) && !TORCHSCRIPT.equals(format)) {
      throw refused("format", "is " + quoted(format) + "; use onnx or torchscript");
    }
    Objects.requireNonNull(family, "family");
    if (!FAMILIES.contains(family)) {
      throw refused("family", "is '" + family.id() + "'; imports serve ae, dae, vae and multvae");
    }
    requireWidth("inputDim", inputDim);
    requireWidth("latentDim", latentDim);
    requireName("encoder.input", encoderInput);
    if (family.variational()) {
      requireName("encoder.mean", encoderMean);
      requireName("encoder.logVariance", encoderLogVariance);
      if (encoderOutput != null) {
        throw refused("encoder.output", "is for deterministic families; a vae encoder names mean and logVariance");
      }
      if (encoderMean.equals(encoderLogVariance)) {
        throw refused("encoder.logVariance", "is the same tensor as encoder.mean ('" + encoderMean + "')");
      }
    } else {
      requireName("encoder.output", encoderOutput);
      if (encoderMean != null || encoderLogVariance != null) {
        throw refused(encoderMean != null ? "encoder.mean" : "encoder.logVariance",
            "is for vae; family '" + family.id() + "' names one encoder.output");
      }
    }
    requireName("decoder.input", decoderInput);
    requireName("decoder.output", decoderOutput);
    if (family == Family.MULTVAE) {
      // The decoder's outputs are logits over the items: the likelihood is a softmax over them.
      score = score == null ? MULTINOMIAL : score;
      if (!score.equals(MULTINOMIAL)) {
        throw refused("score", "is " + quoted(score) + "; a multvae's decoder outputs item logits, scored "
            + "multinomial (leave it out)");
      }
      if (itemIds == null || itemIds.isEmpty()) {
        throw refused("itemIds", "is missing: a multvae needs its item vocabulary, one id per input column");
      }
      itemIds = List.copyOf(itemIds);
      if (itemIds.size() != inputDim) {
        throw refused("itemIds", "has " + itemIds.size() + " items, inputDim is " + inputDim);
      }
      if (new java.util.HashSet<>(itemIds).size() != itemIds.size()) {
        throw refused("itemIds", "holds an id twice; item ids must be unique");
      }
      if (standardization != null) {
        throw refused("standardization", "is for dense families; a multvae takes interaction counts as they are");
      }
    } else {
      score = score == null ? "mse" : score;
      if (!score.equals("mse") && !score.equals("bce")) {
        throw refused("score", "is " + quoted(score) + "; use mse or bce (vae scores neg_elbo on request)");
      }
      if (itemIds != null) {
        throw refused("itemIds", "is for recommenders (multvae); family '" + family.id() + "' has no items");
      }
    }
    if (inputDomain != null && inputDomain.width() >= 0 && inputDomain.width() != inputDim) {
      throw refused("inputDomain", "has " + inputDomain.width() + " features, inputDim is " + inputDim);
    }
    if (standardization != null && standardization.means().length != inputDim) {
      throw refused("standardization", "has " + standardization.means().length + " features, inputDim is "
          + inputDim);
    }
  }

  /** The spec a version of this import is stored with: its I/O contract for admission and scoring. */
  public AutoencoderSpec spec() {
    ObjectNode s = JSON.createObjectNode();
    s.put("family", family.id());
    s.put("inputDim", inputDim);
    s.put("latentDim", latentDim);
    s.put("loss", score);
    s.put("outputActivation", score.equals("bce") ? "sigmoid" : "identity");
    if (itemIds != null) {
      s.set("itemIds", JSON.valueToTree(itemIds));
    }
    if (standardization != null) {
      s.set("standardization", JSON.valueToTree(standardization));
    }
    if (inputDomain != null) {
      s.set("inputDomain", JSON.valueToTree(inputDomain));
    }
    return AutoencoderSpec.fromJson(s.toString());
  }

  /**
   * Refuses a spec that disagrees with this manifest on what the graphs compute, naming the field.
   * The spec may narrow the input domain; everything else must match.
   */
  public void requireMatches(AutoencoderSpec spec) {
    AutoencoderSpec mine = spec();
    if (spec.family() != family) {
      throw new InvalidSpecException("spec family '" + spec.family().id() + "' does not match the import manifest's "
          + "family '" + family.id() + "'");
    }
    requireSame("inputDim", spec.inputDim(), inputDim);
    requireSame("latentDim", spec.latentDim(), latentDim);
    if (!spec.loss().equals(mine.loss())) {
      throw new InvalidSpecException("spec loss '" + spec.loss() + "' does not match the import manifest's score '"
          + score + "'");
    }
    if (!Objects.equals(spec.standardization(), standardization)) {
      throw new InvalidSpecException("spec standardization does not match the import manifest's standardization");
    }
    if (!Objects.equals(spec.itemIds(), itemIds)) {
      throw new InvalidSpecException("spec itemIds do not match the import manifest's itemIds");
    }
  }

  private static void requireSame(String field, int spec, int manifest) {
    if (spec != manifest) {
      throw new InvalidSpecException("spec " + field + " " + spec + " does not match the import manifest's "
          + field + " " + manifest);
    }
  }

  /**
   * The metrics document an imported version is stored with: where it came from, and the
   * manifest's golden batch (when it has one), which warm-up then runs before the version takes
   * traffic, as for a trained version.
   */
  public String metricsJson() {
    ObjectNode m = JSON.createObjectNode();
    m.put("importedFrom", format);
    if (goldenBatch != null) {
      m.set("goldenBatch", JSON.valueToTree(goldenBatch));
    }
    return m.toString();
  }

  /** Tensor names the encoder graph must produce, in the order the seam concatenates them. */
  public List<String> encoderOutputs() {
    return family.variational() ? List.of(encoderMean, encoderLogVariance) : List.of(encoderOutput);
  }

  public String toJson() {
    ObjectNode m = JSON.createObjectNode();
    m.put("format", format);
    m.put("family", family.id());
    m.put("inputDim", inputDim);
    m.put("latentDim", latentDim);
    ObjectNode enc = m.putObject("encoder");
    enc.put("input", encoderInput);
    if (family.variational()) {
      enc.put("mean", encoderMean);
      enc.put("logVariance", encoderLogVariance);
    } else {
      enc.put("output", encoderOutput);
    }
    ObjectNode dec = m.putObject("decoder");
    dec.put("input", decoderInput);
    dec.put("output", decoderOutput);
    m.put("score", score);
    if (inputDomain != null) {
      m.set("inputDomain", JSON.valueToTree(inputDomain));
    }
    if (standardization != null) {
      m.set("standardization", JSON.valueToTree(standardization));
    }
    if (goldenBatch != null) {
      m.set("goldenBatch", JSON.valueToTree(goldenBatch));
    }
    if (itemIds != null) {
      m.set("itemIds", JSON.valueToTree(itemIds));
    }
    return m.toString();
  }

  /**
   * Parses a manifest document.
   *
   * @throws InvalidSpecException naming the first field that is missing, mistyped, out of range
   *     or unknown
   */
  public static ImportManifest fromJson(String json) {
    Objects.requireNonNull(json, "json");
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException("import manifest is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new InvalidSpecException("import manifest must be a JSON object");
    }
    requireKnown(root, TOP_KEYS, "");
    String format = text(root, "format", "format", true);
    String familyId = text(root, "family", "family", true);
    Family family;
    try {
      family = Family.fromId(familyId);
    } catch (RuntimeException e) {
      throw refused("family", "is '" + Texts.capped(familyId) + "'; imports serve ae, dae, vae and multvae");
    }
    int inputDim = whole(root, "inputDim");
    int latentDim = whole(root, "latentDim");
    JsonNode enc = object(root, "encoder");
    requireKnown(enc, Set.of("input", "output", "mean", "logVariance"), "encoder.");
    JsonNode dec = object(root, "decoder");
    requireKnown(dec, Set.of("input", "output"), "decoder.");
    return new ImportManifest(format, family, inputDim, latentDim,
        text(enc, "input", "encoder.input", true), text(enc, "output", "encoder.output", false),
        text(enc, "mean", "encoder.mean", false), text(enc, "logVariance", "encoder.logVariance", false),
        text(dec, "input", "decoder.input", true), text(dec, "output", "decoder.output", true),
        text(root, "score", "score", false),
        typed(root, "inputDomain", InputDomain.class), typed(root, "standardization",
            AutoencoderSpec.Standardization.class),
        typed(root, "goldenBatch", GoldenBatch.class), strings(root, "itemIds"));
  }

  private static List<String> strings(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw refused(field, "must be an array of strings, found " + v.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isTextual() || v.get(i).asText().isEmpty()) {
        throw refused(field + "[" + i + "]", "must be a non-empty string, found " + Texts.capped(v.get(i).toString()));
      }
      out.add(v.get(i).asText());
    }
    return out;
  }

  private static void requireKnown(JsonNode node, Set<String> known, String prefix) {
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        unknown.add(prefix + key);
      }
    }
    if (!unknown.isEmpty()) {
      throw new InvalidSpecException("import manifest has unknown field " + Texts.capped(String.join(", ", unknown))
          + "; known: " + known.stream().map(k -> prefix + k).sorted().toList());
    }
  }

  private static String text(JsonNode node, String key, String field, boolean required) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw refused(field, "is missing");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw refused(field, "must be a string, found " + v.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return v.asText();
  }

  private static int whole(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw refused(field, "is missing");
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw refused(field, "must be a whole number, found " + Texts.capped(v.toString()));
    }
    return v.asInt();
  }

  private static JsonNode object(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw refused(field, "is missing");
    }
    if (!v.isObject()) {
      throw refused(field, "must be an object naming the graph's tensors");
    }
    return v;
  }

  private static <T> T typed(JsonNode node, String field, Class<T> type) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    try {
      return JSON.treeToValue(v, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      Throwable cause = e.getCause();
      String why = cause instanceof InvalidSpecException ise ? ise.getMessage()
          : e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw refused(field, "is invalid: " + why);
    }
  }

  private static void requireWidth(String field, int value) {
    if (value < 1 || value > AutoencoderSpec.MAX_WIDTH) {
      throw refused(field, "is " + value + "; it must be in [1, " + AutoencoderSpec.MAX_WIDTH + "]");
    }
  }

  private static void requireName(String field, String name) {
    if (name == null || name.isBlank()) {
      throw refused(field, "is missing: name the graph's tensor");
    }
  }

  private static String quoted(String s) {
    return s == null ? "missing" : "'" + Texts.capped(s) + "'";
  }

  private static InvalidSpecException refused(String field, String why) {
    return new InvalidSpecException("import manifest field " + field + " " + why);
  }
}
