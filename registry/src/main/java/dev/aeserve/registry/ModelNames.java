package dev.aeserve.registry;

import java.util.regex.Pattern;

/**
 * The one place that says what a model or alias name may look like: 1 to 63 characters of lower
 * case letters, digits and hyphens, starting with a letter or digit (so names are safe in URLs,
 * metric labels and file names). The database enforces the same pattern.
 */
public final class ModelNames {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final String ALLOWED =
      "1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit";

  private ModelNames() {}

  /** Returns {@code name} if it is a valid model name. */
  public static String requireModelName(String name) {
    return require("model", name);
  }

  /** Returns {@code alias} if it is a valid alias name; {@code latest} passes (it resolves). */
  public static String requireAliasName(String alias) {
    return require("alias", alias);
  }

  /** Returns {@code alias} if it can be set or deleted: valid and not the reserved {@code latest}. */
  public static String requireSettableAlias(String alias) {
    requireAliasName(alias);
    if (Alias.LATEST.equals(alias)) {
      throw new InvalidRegistryRequestException(
          "alias 'latest' is reserved: it always means the newest READY version and cannot be set"
              + " or deleted; choose another alias name");
    }
    return alias;
  }

  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  private static String require(String what, String name) {
    if (name == null || name.isEmpty()) {
      throw new InvalidRegistryRequestException(what + " name is missing; allowed: " + ALLOWED);
    }
    if (!NAME.matcher(name).matches()) {
      throw new InvalidRegistryRequestException(
          what + " name '" + printable(name) + "' is not allowed; allowed: " + ALLOWED);
    }
    return name;
  }

  // Echoing a hostile name verbatim into logs and error messages invites log injection.
  private static String printable(String name) {
    String shown = name.length() > 80 ? name.substring(0, 80) + "..." : name;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }
}
