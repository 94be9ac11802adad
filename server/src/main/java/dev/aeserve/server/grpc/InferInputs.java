package dev.aeserve.server.grpc;

import com.google.protobuf.ByteString;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Texts;
import dev.aeserve.proto.oip.ModelInferRequest;
import dev.aeserve.proto.oip.ModelInferRequest.InferInputTensor;
import dev.aeserve.server.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The input tensors of one v2 request, decoded into domain values. Like {@link MatrixCodec} it
 * checks only that each tensor is well-formed and is one the operation takes (name, datatype,
 * rank, contents matching the shape); whether it fits the version (widths, values, labels) is
 * admission's question, and so is an input left out. Contents come typed or raw ({@code raw_input_contents}, one entry per
 * input), never both.
 */
final class InferInputs {

  /** A tensor's elements are capped like a matrix's: what one message can carry. */
  private static final long MAX_ELEMENTS = Integer.MAX_VALUE / Float.BYTES;

  private final Map<String, InferInputTensor> tensors = new HashMap<>();
  private final Map<String, ByteString> raw = new HashMap<>();
  private final String model;

  InferInputs(ModelInferRequest req, InferSignature signature, String model) {
    this.model = model;
    boolean useRaw = req.getRawInputContentsCount() > 0;
    if (useRaw && req.getRawInputContentsCount() != req.getInputsCount()) {
      throw new InvalidRequestException("raw_input_contents has " + req.getRawInputContentsCount()
          + " entries for " + req.getInputsCount() + " inputs; send one per input, in the order of inputs");
    }
    for (int i = 0; i < req.getInputsCount(); i++) {
      InferInputTensor t = req.getInputs(i);
      String name = t.getName();
      InferSignature.Tensor declared = signature.input(name);
      if (declared == null) {
        throw new InvalidRequestException("model '" + model + "' has no input '" + Texts.capped(name) + "'; its inputs: "
            + String.join(", ", signature.inputs().stream().map(InferSignature.Tensor::name).toList()));
      }
      if (tensors.put(name, t) != null) {
        throw new InvalidRequestException("input '" + name + "' is given twice");
      }
      if (!t.getDatatype().equals(declared.datatype())) {
        throw new InvalidRequestException("input '" + name + "' of model '" + model + "' is " + declared.datatype()
            + ", got datatype '" + Texts.capped(t.getDatatype()) + "'");
      }
      if (t.getShapeCount() != declared.shape().size()) {
        throw new InvalidRequestException("input '" + name + "' has shape " + t.getShapeList() + "; model '" + model
            + "' takes " + declared.shape().size() + " dimensions " + declared.shape() + " (-1: any size)");
      }
      for (int k = 0; k < t.getShapeCount(); k++) {
        long want = declared.shape().get(k);
        if (t.getShape(k) > MAX_ELEMENTS) {
          // Even beside a zero dimension: every dimension must then fit an int.
          throw new InvalidRequestException("input '" + name + "' has shape " + t.getShapeList()
              + ": dimension " + k + " is over " + MAX_ELEMENTS);
        }
        if (t.getShape(k) < 0 || (want >= 0 && t.getShape(k) != want)) {
          throw new InvalidRequestException("input '" + name + "' has shape " + t.getShapeList() + "; model '" + model
              + "' takes " + declared.shape() + " (-1: any size)");
        }
      }
      if (!t.getParametersMap().isEmpty()) {
        throw new InvalidRequestException("input '" + name + "' has parameters " + t.getParametersMap().keySet()
            + "; aeserve takes none on tensors (no shared memory): send the contents in the request");
      }
      if (useRaw) {
        if (t.hasContents()) {
          throw new InvalidRequestException("input '" + name + "' has contents while the request uses"
              + " raw_input_contents; use one or the other");
        }
        raw.put(name, req.getRawInputContents(i));
      }
    }
  }

  /** Whether the request carried its contents typed (the response then answers typed too). */
  boolean typed() {
    return raw.isEmpty() && !tensors.isEmpty();
  }

  boolean has(String name) {
    return tensors.containsKey(name);
  }

  /**
   * A 2-D FP32 input the operation needs, as a matrix; empty when the request lacks it. As for an
   * empty native matrix, admission refuses it after the route, so an unknown model or an operation
   * the family does not serve says so first, whatever the request carries.
   */
  Matrix rows(String name) {
    Matrix m = matrix(name);
    return m == null ? new Matrix(0, 0, new float[0]) : m;
  }

  /** A 2-D FP32 input as a matrix, or null when the request does not carry it. */
  Matrix matrix(String name) {
    InferInputTensor t = tensors.get(name);
    if (t == null) {
      return null;
    }
    long rows = t.getShape(0);
    long cols = t.getShape(1);
    float[] data = floats(t, elements(t));
    return new Matrix((int) rows, (int) cols, data);
  }

  /** A 2-D FP32 input's elements, row-major, or null when absent. */
  float[] floats(String name) {
    InferInputTensor t = tensors.get(name);
    return t == null ? null : floats(t, elements(t));
  }

  /** A BYTES input's elements as UTF-8 strings, row-major; empty when absent. */
  List<String> strings(String name) {
    InferInputTensor t = tensors.get(name);
    if (t == null) {
      return List.of();
    }
    int n = elements(t);
    List<String> out = new ArrayList<>(n);
    ByteString rawBytes = raw.get(name);
    if (rawBytes != null) {
      ByteBuffer buf = rawBytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      while (buf.remaining() >= Integer.BYTES) {
        long len = Integer.toUnsignedLong(buf.getInt());
        if (len > buf.remaining()) {
          throw new InvalidRequestException("raw contents of input '" + name + "' are cut short: element "
              + out.size() + " claims " + len + " bytes, " + buf.remaining() + " remain");
        }
        byte[] b = new byte[(int) len];
        buf.get(b);
        out.add(new String(b, StandardCharsets.UTF_8));
      }
      if (buf.hasRemaining() || out.size() != n) {
        throw new InvalidRequestException("raw contents of input '" + name + "' hold " + out.size()
            + " length-prefixed elements" + (buf.hasRemaining() ? " and " + buf.remaining() + " stray bytes" : "")
            + "; its shape " + t.getShapeList() + " needs " + n);
      }
    } else {
      if (t.getContents().getBytesContentsCount() != n) {
        throw new InvalidRequestException("input '" + name + "' has shape " + t.getShapeList() + " and needs " + n
            + " bytes_contents, got " + t.getContents().getBytesContentsCount());
      }
      for (ByteString b : t.getContents().getBytesContentsList()) {
        out.add(b.toStringUtf8());
      }
    }
    return out;
  }

  /** The dimensions of an input the request carries. */
  List<Long> shape(String name) {
    return tensors.get(name).getShapeList();
  }

  private float[] floats(InferInputTensor t, int n) {
    ByteString rawBytes = raw.get(t.getName());
    float[] data;
    if (rawBytes != null) {
      if (rawBytes.size() != (long) n * Float.BYTES) {
        throw new InvalidRequestException("input '" + t.getName() + "' has shape " + t.getShapeList() + " and needs "
            + (long) n * Float.BYTES + " bytes of raw contents, got " + rawBytes.size());
      }
      data = new float[n];
      rawBytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
    } else {
      if (t.getContents().getFp32ContentsCount() != n) {
        throw new InvalidRequestException("input '" + t.getName() + "' has shape " + t.getShapeList() + " and needs "
            + n + " fp32_contents, got " + t.getContents().getFp32ContentsCount());
      }
      data = new float[n];
      for (int i = 0; i < n; i++) {
        data[i] = t.getContents().getFp32Contents(i);
      }
    }
    return data;
  }

  /** The element count the shape claims, checked before anything is allocated. */
  private int elements(InferInputTensor t) {
    long n = 1;
    for (long dim : t.getShapeList()) {
      // Each factor is checked first, so the product cannot overflow.
      if (dim > MAX_ELEMENTS || n * dim > MAX_ELEMENTS) {
        throw new InvalidRequestException("input '" + t.getName() + "' has shape " + t.getShapeList()
            + ": more elements than one message can carry");
      }
      n *= dim;
    }
    return (int) n;
  }
}
