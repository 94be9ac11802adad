package dev.aeserve.server.console;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a console handler answers: a status, a content type, the body and extra headers. */
record Response(int status, String contentType, byte[] body, Map<String, String> headers) {

  static Response html(int status, String page) {
    return new Response(status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  static Response png(byte[] png) {
    return new Response(200, "image/png", png, Map.of("Cache-Control", "no-store"));
  }

  static Response svg(String svg) {
    return new Response(200, "image/svg+xml", svg.getBytes(StandardCharsets.UTF_8), Map.of("Cache-Control", "no-store"));
  }

  /** After a form post: see the page the action changed (POST, redirect, GET). */
  static Response seeOther(String location, Map<String, String> headers) {
    java.util.Map<String, String> h = new java.util.HashMap<>(headers);
    h.put("Location", location);
    return new Response(303, "text/plain; charset=utf-8", new byte[0], h);
  }
}
