package dev.aeserve.server.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aeserve.autoencoders.GoldenBatch;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.autoencoders.Texts;

/**
 * The parts of a version's metrics document the server relies on, typed. Training writes
 * {@link dev.aeserve.autoencoders.TrainingMetrics}; an import may write figures of its own, which
 * are kept as given. Only the keys read here must have their documented types.
 *
 * @param goldenBatch the rows warm-up runs, or null when the version has none
 */
public record VersionMetrics(GoldenBatch goldenBatch) {

  public static final VersionMetrics NONE = new VersionMetrics(null);

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @throws InvalidSpecException when the document is not a JSON object or a key read here is
   *     malformed
   */
  public static VersionMetrics fromJson(String json) {
    if (json == null || json.isBlank()) {
      return NONE;
    }
    JsonNode doc;
    try {
      doc = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException("metrics is not valid JSON: " + Texts.capped(e.getOriginalMessage()));
    }
    if (doc == null || !doc.isObject()) {
      throw new InvalidSpecException("metrics must be a JSON object, found "
          + (doc == null ? "nothing" : "a JSON " + doc.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
    }
    JsonNode golden = doc.get("goldenBatch");
    if (golden == null || golden.isNull()) {
      return NONE;
    }
    if (!golden.isObject()) {
      throw new InvalidSpecException("metrics.goldenBatch must be a JSON object {\"rows\": [[...], ...], "
          + "\"labels\": [...], \"scoreKind\": ..., \"meanScore\": ...}");
    }
    try {
      return new VersionMetrics(JSON.treeToValue(golden, GoldenBatch.class));
    } catch (JsonProcessingException e) {
      if (e.getCause() instanceof InvalidSpecException ise) {
        throw ise;
      }
      throw new InvalidSpecException("metrics.goldenBatch is malformed: " + Texts.capped(e.getOriginalMessage()));
    }
  }
}
