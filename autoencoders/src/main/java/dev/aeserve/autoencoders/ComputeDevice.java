package dev.aeserve.autoencoders;

import java.util.Locale;

/**
 * Where a loaded model computes: the CPU, or one GPU by index. GPUs are reached through the
 * PyTorch engine (no CUDA build of MXNet is published).
 *
 * @param gpu the GPU index, or -1 for the CPU
 */
public record ComputeDevice(int gpu) {

  public static final ComputeDevice CPU = new ComputeDevice(-1);

  public ComputeDevice {
    if (gpu < -1) {
      throw new IllegalArgumentException("GPU index must be >= 0, got " + gpu);
    }
  }

  public static ComputeDevice gpu(int index) {
    return new ComputeDevice(index);
  }

  public boolean isGpu() {
    return gpu >= 0;
  }

  /** {@code cpu} or {@code gpu:N}. */
  public static ComputeDevice parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.equals("cpu")) {
      return CPU;
    }
    if (t.startsWith("gpu:")) {
      try {
        return gpu(Integer.parseInt(t.substring(4)));
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
    }
    throw new IllegalArgumentException("device '" + s + "' is not cpu or gpu:N");
  }

  @Override
  public String toString() {
    return isGpu() ? "gpu:" + gpu : "cpu";
  }
}
