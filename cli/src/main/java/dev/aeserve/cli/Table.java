package dev.aeserve.cli;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Tab-separated rows: readable in a terminal, and easy to cut and awk. */
final class Table {

  private Table() {}

  static String row(String... cells) {
    return String.join("\t", cells);
  }

  static String time(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
