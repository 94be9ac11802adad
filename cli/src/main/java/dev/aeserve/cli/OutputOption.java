package dev.aeserve.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --output table|json} for commands that print a table: tab-separated rows for people, or
 * one JSON document on stdout for scripts. JSON of wire messages uses the proto field names, the
 * names docs/api.md and every client use.
 */
final class OutputOption {

  enum Format { table, json }

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
      .omittingInsignificantWhitespace();

  @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "table|json",
      description = "table (tab-separated, for people) or json (one JSON document, for scripts); default: ${DEFAULT-VALUE}.")
  Format format;

  boolean json() {
    return format == Format.json;
  }

  static String json(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
    }
  }

  static String json(List<? extends MessageOrBuilder> messages) {
    StringBuilder sb = new StringBuilder("[");
    for (MessageOrBuilder m : messages) {
      sb.append(sb.length() == 1 ? "" : ",").append(json(m));
    }
    return sb.append(']').toString();
  }
}
