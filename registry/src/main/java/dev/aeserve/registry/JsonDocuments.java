package dev.aeserve.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Checks that a version's documents are JSON objects before they reach a jsonb column. The
 * registry never interprets them; refusing here gives the caller a clear INVALID_ARGUMENT instead
 * of a database error.
 */
final class JsonDocuments {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonDocuments() {}

  static String requireObject(String what, String json) {
    if (json == null) {
      throw new InvalidRegistryRequestException(what + " is missing; it must be a JSON object");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidRegistryRequestException(
          what + " is not valid JSON (" + e.getOriginalMessage() + "); it must be a JSON object");
    }
    if (node == null || !node.isObject()) {
      String found = node == null || node.isMissingNode() ? "nothing" : "a JSON " + node.getNodeType().name().toLowerCase();
      throw new InvalidRegistryRequestException(what + " must be a JSON object, found " + found);
    }
    if (json.contains("\\u0000")) {
      // Postgres jsonb refuses the escaped NUL too, inside any string of the document.
      throw new InvalidRegistryRequestException(what + " must not contain NUL characters (\\u0000)");
    }
    return StorableText.require(what, json);
  }

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Parses JSON the registry wrote itself (audit details, stored routing); a failure is a bug. */
  static JsonNode read(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("registry's own JSON does not parse: " + e.getOriginalMessage(), e);
    }
  }

  static String write(ObjectNode node) {
    return node.toString();
  }
}
