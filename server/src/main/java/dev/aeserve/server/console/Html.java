package dev.aeserve.server.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The console's page shell and the few pieces every page uses. Everything dynamic goes through
 * {@link #esc} (names, descriptions, audit details and error messages come from users).
 */
final class Html {

  private static final String STYLE = """
      body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
      header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
      header a{color:#cfd6e4;text-decoration:none}header a.on,header a:hover{color:#fff;font-weight:600}
      header .brand{font-weight:700;color:#fff;margin-right:12px}header .who{margin-left:auto;font-size:12px}
      main{padding:16px 24px;max-width:1280px}h1{font-size:22px;margin:6px 0 12px}h2{font-size:17px;margin:22px 0 8px}
      table{border-collapse:collapse;background:#fff;margin:6px 0 12px}td,th{border:1px solid #dde1e8;padding:4px 8px;
      text-align:left;vertical-align:top}th{background:#eef1f5;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
      code,.mono{font-family:ui-monospace,monospace;font-size:12px}.muted{color:#667085}.bad{color:#b42318;font-weight:600}
      .ok{color:#067647;font-weight:600}.empty{background:#fff;border:1px dashed #b9c0cc;padding:14px;margin:8px 0;color:#475467}
      .pics{display:flex;flex-wrap:wrap;gap:16px}.pic{background:#fff;border:1px solid #dde1e8;padding:8px}
      .pic h3{font-size:13px;margin:0 0 6px}.pic img{display:block;image-rendering:pixelated}
      form.inline{display:inline-block;margin:0 6px 6px 0}button{cursor:pointer;padding:3px 10px}
      input[type=text],input[type=password],input[type=number]{padding:3px 6px}
      .tag{display:inline-block;background:#e8eefc;color:#1e40af;border-radius:3px;padding:0 6px;margin:0 4px 2px 0;font-size:12px}
      .error{background:#fef3f2;border:1px solid #fda29b;padding:10px;margin:8px 0}
      pre{background:#fff;border:1px solid #dde1e8;padding:8px;overflow:auto;max-height:320px;font-size:12px}
      """;

  private Html() {}

  static String esc(Object o) {
    if (o == null) {
      return "";
    }
    String s = o.toString();
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** A path segment or query value, URL-encoded. */
  static String url(Object o) {
    return URLEncoder.encode(String.valueOf(o), StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String modelHref(String model) {
    return "/models/" + url(model);
  }

  static String versionHref(String model, int version) {
    return "/models/" + url(model) + "/versions/" + version;
  }

  /**
   * A whole page.
   *
   * @param section the header link to highlight: models, rollouts or serving
   * @param signedInAs the console session's token name, or null
   * @param authOn whether actions need a token (the sign-in link shows only then)
   */
  static String page(String title, String section, String signedInAs, boolean authOn, String body) {
    StringBuilder b = new StringBuilder(body.length() + 4096);
    b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
        .append("<link rel=\"icon\" href=\"data:,\">")
        .append("<title>").append(esc(title)).append(" · aeserve</title><style>").append(STYLE).append("</style></head><body>")
        .append("<header><span class=\"brand\">aeserve</span>");
    for (List<String> link : List.of(List.of("models", "/", "Models"), List.of("rollouts", "/rollouts", "Rollouts"),
        List.of("serving", "/serving", "Serving"))) {
      b.append("<a href=\"").append(link.get(1)).append("\"").append(link.get(0).equals(section) ? " class=\"on\"" : "")
          .append(">").append(link.get(2)).append("</a>");
    }
    b.append("<span class=\"who\">");
    if (signedInAs != null) {
      b.append("signed in as <b>").append(esc(signedInAs)).append("</b> <form class=\"inline\" method=\"post\" ")
          .append("action=\"/signout\"><button>Sign out</button></form>");
    } else if (authOn) {
      b.append("read-only · <a href=\"/signin\">Sign in with a token</a> to change routing");
    } else {
      b.append("authentication off: actions are recorded as console@your address");
    }
    b.append("</span></header><main>").append(body).append("</main></body></html>");
    return b.toString();
  }

  static String empty(String what, String next) {
    return "<div class=\"empty\"><b>" + esc(what) + "</b><br>" + next + "</div>";
  }

  static String error(String message) {
    return "<div class=\"error\">" + esc(message) + "</div>";
  }
}
