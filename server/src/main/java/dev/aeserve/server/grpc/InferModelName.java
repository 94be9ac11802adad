package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.Texts;
import dev.aeserve.registry.RegistryNotFoundException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A model name of the Open Inference Protocol: {@code NAME.OPERATION}, one v2 model per aeserve
 * model and operation it serves ({@code demo-vae.encode}, {@code demo-vae.sample}). Registered
 * names never hold a dot, so the last one splits the two without ambiguity.
 */
record InferModelName(String model, Rpc rpc) {

  static final String OPERATIONS = Arrays.stream(Rpc.values()).map(InferModelName::operation)
      .collect(Collectors.joining(", "));

  /** Refuses a name that is not NAME.OPERATION as an unknown model (NOT_FOUND), saying how to name one. */
  static InferModelName parse(String name) {
    int dot = name.lastIndexOf('.');
    if (dot > 0) {
      String op = name.substring(dot + 1);
      for (Rpc rpc : Rpc.values()) {
        if (operation(rpc).equals(op)) {
          return new InferModelName(name.substring(0, dot), rpc);
        }
      }
    }
    throw new RegistryNotFoundException("model '" + Texts.capped(name) + "' is not served: over the v2 protocol a"
        + " model is NAME.OPERATION, with OPERATION one of " + OPERATIONS + " (for example demo-ae.encode)");
  }

  static String operation(Rpc rpc) {
    return rpc.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return model + "." + operation(rpc);
  }
}
