package dev.aeserve.autoencoders.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import java.util.concurrent.locks.ReentrantLock;

/** Looks up DJL engines and knows which of them may compute from several threads at once. */
public final class Engines {
  /**
   * MXNet's default threaded engine is not safe for imperative calls from many Java threads
   * (waiting on a result from a thread it did not spawn is a documented limitation, and the
   * NaiveEngine that lifts it must be chosen by environment variable before the library loads).
   * So MXNet work from every model in this process runs under one lock. PyTorch ops are
   * thread-safe and run concurrently. In the server each version has one runner thread anyway,
   * so the lock is only contended when several MXNet versions compute at the same moment.
   */
  private static final ReentrantLock MXNET_COMPUTE = new ReentrantLock();

  private Engines() {}

  public static Engine engine(EngineKind kind) {
    try {
      return Engine.getEngine(kind.djlName());
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new IllegalStateException("DJL engine " + kind.djlName() + " is not available: " + e.getMessage(), e);
    }
  }

  public static int gpuCount(EngineKind kind) {
    return kind == EngineKind.PYTORCH ? engine(kind).getGpuCount() : 0;
  }

  /** Refuses, with a message that says what to change, a device the engine cannot reach. */
  public static void requireDevice(EngineKind kind, ComputeDevice device) {
    if (!device.isGpu()) {
      return;
    }
    if (kind != EngineKind.PYTORCH) {
      throw new IllegalArgumentException(device + " needs the PyTorch engine (--engine pytorch); the published MXNet "
          + "build is CPU-only");
    }
    int gpus = gpuCount(kind);
    if (device.gpu() >= gpus) {
      throw new IllegalArgumentException(device + " requested but PyTorch sees " + gpus + " GPU(s); "
          + "install PyTorch's CUDA native libraries (see docs/gpu.md)");
    }
  }

  /** The DJL device for {@code device}. */
  public static Device djlDevice(ComputeDevice device) {
    return device.isGpu() ? Device.gpu(device.gpu()) : Device.cpu();
  }

  /** The lock to hold while computing on {@code kind}, or null when none is needed. */
  public static ReentrantLock computeLock(EngineKind kind) {
    return kind == EngineKind.MXNET ? MXNET_COMPUTE : null;
  }
}
