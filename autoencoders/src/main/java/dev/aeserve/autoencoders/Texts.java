package dev.aeserve.autoencoders;

/** Caps text echoed back in error messages, so a huge bad field cannot swell a status message. */
public final class Texts {

  /** Echoed values are cut to this many characters. */
  public static final int MAX_ECHO = 100;

  private Texts() {}

  /** {@code s} cut to {@link #MAX_ECHO} characters (marked with "..."), control characters as '?'. */
  public static String capped(String s) {
    if (s == null) {
      return "null";
    }
    String shown = s.length() > MAX_ECHO ? s.substring(0, MAX_ECHO) + "..." : s;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }
}
