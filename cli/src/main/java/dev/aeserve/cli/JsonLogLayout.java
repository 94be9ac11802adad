package dev.aeserve.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per log line: {@code ts} (ISO-8601, UTC), {@code level}, {@code logger},
 * {@code thread}, {@code msg}, every MDC entry as a top-level string field (such as
 * {@code request_id}, {@code method}, {@code code}, {@code model}, {@code duration_ms},
 * {@code actor} on a request line), and {@code stack} when the event has an exception.
 */
final class JsonLogLayout extends LayoutBase<ILoggingEvent> {

  private static final java.util.Set<String> RESERVED = java.util.Set.of("ts", "level", "logger", "thread", "msg", "stack");

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder b = new StringBuilder(256).append('{');
    field(b, "ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
    field(b, "level", event.getLevel().toString());
    field(b, "logger", event.getLoggerName());
    field(b, "thread", event.getThreadName());
    field(b, "msg", event.getFormattedMessage());
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      for (Map.Entry<String, String> e : mdc.entrySet()) {
        if (!RESERVED.contains(e.getKey())) {
          field(b, e.getKey(), e.getValue());
        }
      }
    }
    if (event.getThrowableProxy() != null) {
      field(b, "stack", ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }
    b.setLength(b.length() - 1);
    return b.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
  }

  private static void field(StringBuilder b, String name, String value) {
    quote(b, name);
    b.append(':');
    if (value == null) {
      b.append("null");
    } else {
      quote(b, value);
    }
    b.append(',');
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
