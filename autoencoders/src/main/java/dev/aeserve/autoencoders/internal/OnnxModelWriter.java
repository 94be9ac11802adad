package dev.aeserve.autoencoders.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a small ONNX model (the protobuf of onnx.proto's ModelProto) without the ONNX schema
 * compiled in: DJL cannot write ONNX, and the dense graphs aeserve exports need only a handful of
 * messages (model, graph, node, attribute, tensor, value info), so a few field writers are less
 * to carry than a generated schema. Field numbers are onnx.proto's (IR version 8, opset 17, what
 * ONNX Runtime 1.21 reads).
 */
final class OnnxModelWriter {
  static final int IR_VERSION = 8;
  static final int OPSET = 17;
  private static final int FLOAT = 1;
  private static final int INT64 = 7;

  private final String graphName;
  private final List<byte[]> nodes = new ArrayList<>();
  private final List<byte[]> initializers = new ArrayList<>();
  private final List<byte[]> inputs = new ArrayList<>();
  private final List<byte[]> outputs = new ArrayList<>();
  private int nodeCount;

  OnnxModelWriter(String graphName) {
    this.graphName = graphName;
  }

  /** A float32 input or output of shape [batch, width], the batch axis dynamic (named "batch"). */
  OnnxModelWriter input(String name, int width) {
    inputs.add(valueInfo(name, width));
    return this;
  }

  OnnxModelWriter output(String name, int width) {
    outputs.add(valueInfo(name, width));
    return this;
  }

  /** A float32 initializer of the given dims, row-major. */
  OnnxModelWriter initializer(String name, float[] values, long... dims) {
    Message t = new Message();
    for (long d : dims) {
      t.varint(1, d);
    }
    t.varint(2, FLOAT);
    t.string(8, name);
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      raw.putFloat(v);
    }
    t.bytes(9, raw.array());
    initializers.add(t.toBytes());
    return this;
  }

  /** A node; attributes are (name, long) pairs, the only kind the dense graphs use. */
  OnnxModelWriter node(String opType, List<String> in, String out, Object... intAttributes) {
    Message n = new Message();
    for (String i : in) {
      n.string(1, i);
    }
    n.string(2, out);
    n.string(3, opType.toLowerCase(java.util.Locale.ROOT) + "_" + nodeCount++);
    n.string(4, opType);
    for (int i = 0; i < intAttributes.length; i += 2) {
      Message a = new Message();
      a.string(1, (String) intAttributes[i]);
      Object v = intAttributes[i + 1];
      if (v instanceof long[] ints) {
        for (long x : ints) {
          a.varint(8, x);
        }
        a.varint(20, INT64);
      } else {
        a.varint(3, ((Number) v).longValue());
        a.varint(20, 2); // AttributeType INT
      }
      n.message(5, a.toBytes());
    }
    nodes.add(n.toBytes());
    return this;
  }

  byte[] toBytes() {
    Message graph = new Message();
    nodes.forEach(n -> graph.message(1, n));
    graph.string(2, graphName);
    initializers.forEach(t -> graph.message(5, t));
    inputs.forEach(v -> graph.message(11, v));
    outputs.forEach(v -> graph.message(12, v));
    Message opset = new Message();
    opset.string(1, "");
    opset.varint(2, OPSET);
    Message model = new Message();
    model.varint(1, IR_VERSION);
    model.string(2, "aeserve-export");
    model.message(7, graph.toBytes());
    model.message(8, opset.toBytes());
    return model.toBytes();
  }

  private static byte[] valueInfo(String name, int width) {
    Message batch = new Message();
    batch.string(2, "batch");
    Message cols = new Message();
    cols.varint(1, width);
    Message shape = new Message();
    shape.message(1, batch.toBytes());
    shape.message(1, cols.toBytes());
    Message tensor = new Message();
    tensor.varint(1, FLOAT);
    tensor.message(2, shape.toBytes());
    Message type = new Message();
    type.message(1, tensor.toBytes());
    Message v = new Message();
    v.string(1, name);
    v.message(2, type.toBytes());
    return v.toBytes();
  }

  /** Protobuf's wire format: varints and length-delimited fields, the two kinds ONNX needs here. */
  private static final class Message {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void varint(int field, long value) {
      raw((long) field << 3);
      raw(value);
    }

    void string(int field, String s) {
      bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    void message(int field, byte[] m) {
      bytes(field, m);
    }

    void bytes(int field, byte[] b) {
      raw(((long) field << 3) | 2);
      raw(b.length);
      out.writeBytes(b);
    }

    private void raw(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    byte[] toBytes() {
      return out.toByteArray();
    }
  }
}
