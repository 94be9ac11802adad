package dev.aeserve.server.grpc;

import dev.aeserve.autoencoders.Texts;
import dev.aeserve.proto.oip.InferParameter;
import dev.aeserve.server.InvalidRequestException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A v2 request's parameters, read by name and type. Every parameter must be one the model takes:
 * a misspelt option is refused (INVALID_ARGUMENT) rather than silently ignored. Numbers may come
 * as int64, uint64 or double (Triton's clients send a Python float as double), as long as they
 * fit the option.
 */
final class InferParameters {

  private final Map<String, InferParameter> values;
  private final String model;

  /** Refuses any parameter not in {@code known}. */
  InferParameters(Map<String, InferParameter> values, Set<String> known, String model) {
    this.values = values;
    this.model = model;
    for (String name : values.keySet()) {
      if (!known.contains(name)) {
        throw new InvalidRequestException("unknown parameter '" + Texts.capped(name) + "' for model '" + model
            + "'; it takes " + String.join(", ", new TreeSet<>(known)));
      }
    }
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  /** The string, or null when absent. */
  String string(String name) {
    InferParameter p = values.get(name);
    if (p == null) {
      return null;
    }
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.STRING_PARAM) {
      throw wrongType(name, p, "a string");
    }
    return p.getStringParam();
  }

  /** The boolean, or null when absent. */
  Boolean bool(String name) {
    InferParameter p = values.get(name);
    if (p == null) {
      return null;
    }
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
      throw wrongType(name, p, "a bool");
    }
    return p.getBoolParam();
  }

  /** The integer, or null when absent: an int64, a uint64 up to 2^63 - 1, or a double with no fraction. */
  Long integer(String name) {
    InferParameter p = values.get(name);
    if (p == null) {
      return null;
    }
    return switch (p.getParameterChoiceCase()) {
      case INT64_PARAM -> p.getInt64Param();
      case UINT64_PARAM -> {
        if (p.getUint64Param() < 0) {
          throw new InvalidRequestException("parameter '" + name + "' is " + Long.toUnsignedString(p.getUint64Param())
              + "; it must fit a signed 64-bit integer");
        }
        yield p.getUint64Param();
      }
      case DOUBLE_PARAM -> {
        double d = p.getDoubleParam();
        if (d != Math.rint(d) || Math.abs(d) > 0x1p53) {
          throw new InvalidRequestException("parameter '" + name + "' is " + d + "; it must be an integer");
        }
        yield (long) d;
      }
      default -> throw wrongType(name, p, "an integer");
    };
  }

  /** The number, or null when absent: a double, int64 or uint64. */
  Double number(String name) {
    InferParameter p = values.get(name);
    if (p == null) {
      return null;
    }
    return switch (p.getParameterChoiceCase()) {
      case DOUBLE_PARAM -> p.getDoubleParam();
      case INT64_PARAM -> (double) p.getInt64Param();
      case UINT64_PARAM -> Double.parseDouble(Long.toUnsignedString(p.getUint64Param()));
      default -> throw wrongType(name, p, "a number");
    };
  }

  private InvalidRequestException wrongType(String name, InferParameter p, String wanted) {
    String got = switch (p.getParameterChoiceCase()) {
      case BOOL_PARAM -> "bool_param";
      case INT64_PARAM -> "int64_param";
      case STRING_PARAM -> "string_param";
      case DOUBLE_PARAM -> "double_param";
      case UINT64_PARAM -> "uint64_param";
      case PARAMETERCHOICE_NOT_SET -> "no value";
    };
    return new InvalidRequestException("parameter '" + name + "' of model '" + model + "' must be " + wanted
        + ", got " + got);
  }
}
