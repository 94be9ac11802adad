package dev.aeserve.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * How the server's logs look on stderr: {@code json} (one object per line, for collectors) or
 * {@code text} (for people at a terminal). {@code auto} picks text when stderr is a terminal
 * and JSON otherwise (a container, a service manager, a file).
 */
enum LogFormat {
  AUTO,
  JSON,
  TEXT;

  static LogFormat parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException("--log-format must be auto, json or text, got '" + s + "'");
    }
  }

  LogFormat resolved() {
    if (this != AUTO) {
      return this;
    }
    return System.console() != null ? TEXT : JSON;
  }

  /** Replaces the root logger's appenders with one stderr appender in this format. */
  void apply() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Encoder<ILoggingEvent> encoder;
    if (resolved() == JSON) {
      LayoutWrappingEncoder<ILoggingEvent> json = new LayoutWrappingEncoder<>();
      JsonLogLayout layout = new JsonLogLayout();
      layout.setContext(context);
      layout.start();
      json.setLayout(layout);
      encoder = json;
    } else {
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
      encoder = text;
    }
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("STDERR");
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.addAppender(appender);
  }
}
