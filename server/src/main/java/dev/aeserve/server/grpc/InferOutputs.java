package dev.aeserve.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Texts;
import dev.aeserve.proto.oip.InferParameter;
import dev.aeserve.proto.oip.InferTensorContents;
import dev.aeserve.proto.oip.ModelInferRequest;
import dev.aeserve.proto.oip.ModelInferResponse;
import dev.aeserve.proto.oip.ModelInferResponse.InferOutputTensor;
import dev.aeserve.server.InvalidRequestException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The output tensors of one v2 response. Outputs the request names are returned, in the model's
 * order; without names, every output that applies except those marked optional in the
 * {@link InferSignature}. Contents are raw ({@code raw_output_contents}, as Triton answers and its
 * clients read) unless the request sent its own contents typed.
 */
final class InferOutputs {

  private final Set<String> requested = new LinkedHashSet<>();
  private final InferSignature signature;
  private final boolean typed;
  private final String model;
  private final ModelInferResponse.Builder response = ModelInferResponse.newBuilder();

  InferOutputs(ModelInferRequest req, InferSignature signature, boolean typed, String model) {
    this.signature = signature;
    this.typed = typed;
    this.model = model;
    for (ModelInferRequest.InferRequestedOutputTensor o : req.getOutputsList()) {
      if (signature.output(o.getName()) == null) {
        throw new InvalidRequestException("model '" + model + "' has no output '" + Texts.capped(o.getName())
            + "'; its outputs: " + String.join(", ", signature.outputs().stream().map(InferSignature.Tensor::name).toList()));
      }
      if (!o.getParametersMap().isEmpty()) {
        throw new InvalidRequestException("output '" + o.getName() + "' has parameters " + o.getParametersMap().keySet()
            + "; aeserve takes none on outputs");
      }
      if (!requested.add(o.getName())) {
        throw new InvalidRequestException("output '" + o.getName() + "' is requested twice");
      }
    }
  }

  /** Whether {@code name} goes into the response (asked for, or by default). */
  boolean wants(String name) {
    return requested.isEmpty() ? !signature.output(name).optional() : requested.contains(name);
  }

  /** Whether the request named {@code name} among its outputs. */
  boolean asked(String name) {
    return requested.contains(name);
  }

  /** Refuses a requested output the version does not produce (such as log_variance of a plain autoencoder). */
  void requireProduced(String name, boolean produced, String why) {
    if (asked(name) && !produced) {
      throw new InvalidRequestException("output '" + name + "' of model '" + model + "' is not produced: " + why);
    }
  }

  InferOutputs fp32(String name, Matrix m) {
    return fp32(name, List.of((long) m.rows(), (long) m.cols()), m.data());
  }

  InferOutputs fp32(String name, List<Long> shape, float[] data) {
    if (!wants(name)) {
      return this;
    }
    InferOutputTensor.Builder t = tensor(name, InferSignature.FP32, shape);
    if (typed) {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (float v : data) {
        c.addFp32Contents(v);
      }
      response.addOutputs(t.setContents(c));
    } else {
      ByteBuffer buf = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(data);
      response.addOutputs(t).addRawOutputContents(UnsafeByteOperations.unsafeWrap(buf.array()));
    }
    return this;
  }

  InferOutputs bool(String name, boolean[] data) {
    if (!wants(name)) {
      return this;
    }
    InferOutputTensor.Builder t = tensor(name, InferSignature.BOOL, List.of((long) data.length));
    if (typed) {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (boolean v : data) {
        c.addBoolContents(v);
      }
      response.addOutputs(t.setContents(c));
    } else {
      byte[] b = new byte[data.length];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) (data[i] ? 1 : 0);
      }
      response.addOutputs(t).addRawOutputContents(UnsafeByteOperations.unsafeWrap(b));
    }
    return this;
  }

  InferOutputs int64(String name, long[] data) {
    if (!wants(name)) {
      return this;
    }
    InferOutputTensor.Builder t = tensor(name, InferSignature.INT64, List.of((long) data.length));
    if (typed) {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (long v : data) {
        c.addInt64Contents(v);
      }
      response.addOutputs(t.setContents(c));
    } else {
      ByteBuffer buf = ByteBuffer.allocate(data.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buf.asLongBuffer().put(data);
      response.addOutputs(t).addRawOutputContents(UnsafeByteOperations.unsafeWrap(buf.array()));
    }
    return this;
  }

  InferOutputs bytes(String name, List<Long> shape, List<String> data) {
    if (!wants(name)) {
      return this;
    }
    InferOutputTensor.Builder t = tensor(name, InferSignature.BYTES, shape);
    if (typed) {
      InferTensorContents.Builder c = InferTensorContents.newBuilder();
      for (String v : data) {
        c.addBytesContents(ByteString.copyFromUtf8(v));
      }
      response.addOutputs(t.setContents(c));
    } else {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (String v : data) {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
      }
      response.addOutputs(t).addRawOutputContents(UnsafeByteOperations.unsafeWrap(out.toByteArray()));
    }
    return this;
  }

  InferOutputs parameter(String name, String value) {
    response.putParameters(name, InferParameter.newBuilder().setStringParam(value).build());
    return this;
  }

  InferOutputs parameter(String name, long value) {
    response.putParameters(name, InferParameter.newBuilder().setInt64Param(value).build());
    return this;
  }

  InferOutputs parameter(String name, double value) {
    response.putParameters(name, InferParameter.newBuilder().setDoubleParam(value).build());
    return this;
  }

  ModelInferResponse.Builder response() {
    return response;
  }

  private static InferOutputTensor.Builder tensor(String name, String datatype, List<Long> shape) {
    return InferOutputTensor.newBuilder().setName(name).setDatatype(datatype).addAllShape(shape);
  }
}
