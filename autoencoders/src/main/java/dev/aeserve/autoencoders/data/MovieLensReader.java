package dev.aeserve.autoencoders.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads MovieLens ratings: the CSV of the current releases ({@code userId,movieId,rating,timestamp}
 * with a header line), the tab-separated {@code u.data} of ml-100k ({@code user item rating
 * timestamp}, no header) and the {@code ::}-separated {@code ratings.dat} of ml-1m. The format is
 * recognized per file from its first data line; a malformed line stops the read with its number.
 */
public final class MovieLensReader {
  private MovieLensReader() {}

  public static Ratings read(Path path) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      return read(in, path.toString());
    }
  }

  /** @param source names the input in messages */
  public static Ratings read(Reader reader, String source) throws IOException {
    BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    List<Rating> ratings = new ArrayList<>();
    String line;
    int lineNo = 0;
    String separator = null;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      if (separator == null) {
        separator = line.contains("::") ? "::" : line.contains(",") ? "," : "\\s+";
        if (isHeader(line.trim().split(separator))) {
          continue;
        }
      }
      String[] f = line.trim().split(separator, -1);
      if (f.length < 3) {
        throw new MalformedDatasetException(source + ": line " + lineNo + " has " + f.length
            + " fields; want user, item, rating[, timestamp]");
      }
      float value;
      long timestamp = 0;
      try {
        value = Float.parseFloat(f[2].trim());
        if (f.length > 3 && !f[3].isBlank()) {
          timestamp = Long.parseLong(f[3].trim());
        }
      } catch (NumberFormatException e) {
        throw new MalformedDatasetException(source + ": line " + lineNo + ": rating or timestamp is not a number: '"
            + line + "'");
      }
      if (!Float.isFinite(value)) {
        throw new MalformedDatasetException(source + ": line " + lineNo + ": rating " + f[2] + " is not finite");
      }
      String user = f[0].trim();
      String item = f[1].trim();
      if (user.isEmpty() || item.isEmpty()) {
        throw new MalformedDatasetException(source + ": line " + lineNo + ": empty user or item id");
      }
      ratings.add(new Rating(user, item, value, timestamp));
    }
    if (ratings.isEmpty()) {
      throw new MalformedDatasetException(source + ": no ratings");
    }
    return new Ratings(ratings);
  }

  private static boolean isHeader(String[] fields) {
    if (fields.length < 3) {
      return false;
    }
    try {
      Float.parseFloat(fields[2].trim());
      return false;
    } catch (NumberFormatException e) {
      return true;
    }
  }
}
