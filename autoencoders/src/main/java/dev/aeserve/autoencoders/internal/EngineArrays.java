package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Engine arrays made from Java floats, through a direct buffer that stays reachable until the
 * engine has its copy.
 *
 * <p>Why not {@code manager.create(float[], shape)}: for MXNet, DJL copies the floats into a
 * direct buffer of its own and passes the buffer's address to {@code MXNDArraySyncCopyFromCPU},
 * after which nothing refers to the buffer. Once that code is compiled, a garbage collection during
 * the native copy may free the buffer (its cleaner runs on another thread) while MXNet still reads
 * it. With glibc's default, freed memory usually stays mapped and the copy reads intact floats by
 * luck (or, if another thread got that memory meanwhile, reads its bytes); with blocks of 128 KiB
 * and more mapped on their own ({@code MALLOC_MMAP_THRESHOLD_=131072}, which the test build sets as a
 * tripwire, see docs/operations.md) the read faults and the JVM dies: a benchmark server did, in
 * {@code MxNDArray.set}, on a Reconstruct batch. DJL's own readers get the same care from
 * {@link FencedManager}. Here the buffer is ours,
 * and {@link Reference#reachabilityFence} keeps it alive until {@code create} has returned, by which
 * time MXNet has copied it; PyTorch and ONNX Runtime keep a reference to the buffer in the array
 * they build on it.
 */
final class EngineArrays {
  private EngineArrays() {}

  /** A float32 array of {@code shape} holding {@code data} (row-major), owned by {@code manager}. */
  static NDArray floats(NDManager manager, float[] data, Shape shape) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(data.length * Float.BYTES).order(ByteOrder.nativeOrder());
    buffer.asFloatBuffer().put(data);
    try {
      return manager.create(buffer, shape, DataType.FLOAT32);
    } finally {
      Reference.reachabilityFence(buffer);
    }
  }
}
