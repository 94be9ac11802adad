package dev.aeserve.server.console;

import com.sun.net.httpserver.HttpExchange;
import dev.aeserve.server.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One console request, read once: method, path segments, query and form fields, cookies and the
 * authorization header. Form bodies are small (an action's few fields), so they are capped.
 */
final class Exchange {

  static final int MAX_FORM_BYTES = 64 * 1024;

  final String method;
  final List<String> path;
  final Map<String, String> query;
  final Map<String, String> form;
  final Map<String, String> cookies;
  final String authorization;
  final String origin;
  final String host;
  final String peer;

  private Exchange(HttpExchange ex, Map<String, String> form) {
    this.method = ex.getRequestMethod();
    String raw = ex.getRequestURI().getRawPath();
    this.path = java.util.Arrays.stream(raw.split("/")).filter(s -> !s.isEmpty())
        .map(Exchange::decode).toList();
    this.query = fields(ex.getRequestURI().getRawQuery());
    this.form = form;
    this.cookies = cookies(ex.getRequestHeaders().getFirst("Cookie"));
    this.authorization = ex.getRequestHeaders().getFirst("Authorization");
    this.origin = ex.getRequestHeaders().getFirst("Origin");
    this.host = ex.getRequestHeaders().getFirst("Host");
    this.peer = String.valueOf(ex.getRemoteAddress());
  }

  static Exchange read(HttpExchange ex) throws IOException {
    Map<String, String> form = Map.of();
    if ("POST".equals(ex.getRequestMethod())) {
      try (InputStream in = ex.getRequestBody()) {
        byte[] body = in.readNBytes(MAX_FORM_BYTES + 1);
        if (body.length > MAX_FORM_BYTES) {
          throw new InvalidRequestException("the form is over " + MAX_FORM_BYTES + " bytes");
        }
        form = fields(new String(body, StandardCharsets.UTF_8));
      }
    }
    return new Exchange(ex, form);
  }

  String field(String name) {
    String v = form.get(name);
    return v != null ? v : query.get(name);
  }

  /** A query or form field as a long, or {@code fallback} when absent; malformed is INVALID_ARGUMENT. */
  long longField(String name, long fallback) {
    String v = field(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(name + " must be a whole number, got '" + v + "'");
    }
  }

  double doubleField(String name, double fallback) {
    String v = field(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (!Double.isFinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(name + " must be a finite number, got '" + v + "'");
    }
  }

  private static Map<String, String> fields(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      out.putIfAbsent(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("malformed %-escape in '" + s + "'");
    }
  }

  private static Map<String, String> cookies(String header) {
    Map<String, String> out = new HashMap<>();
    if (header == null) {
      return out;
    }
    for (String part : header.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        out.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
      }
    }
    return out;
  }
}
