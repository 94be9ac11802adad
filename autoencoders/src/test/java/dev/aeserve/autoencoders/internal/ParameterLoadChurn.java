package dev.aeserve.autoencoders.internal;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;

/**
 * A child process for {@link FencedManagerTest}: loads the parameters of a block with two 400 KiB+
 * layers again and again while another thread fills the young generation, so collections (and the
 * buffers' cleaners) run during the engine's copies. Argument {@code fenced} loads through
 * {@link FencedManager}, {@code engine} through the engine's manager as DJL's readers do on their
 * own; under {@code MALLOC_MMAP_THRESHOLD_=131072} the latter died with SIGSEGV in
 * {@code MXNDArraySyncCopyFromCPU} within 500 loads in each of four runs (2026-12-01), the former
 * ran about 15,000 loads in each of three runs without a fault. Prints "done N" at the end.
 */
public final class ParameterLoadChurn {
  private ParameterLoadChurn() {}

  public static void main(String[] args) throws Exception {
    boolean fenced = args[0].equals("fenced");
    int loads = Integer.parseInt(args[1]);
    byte[] bytes;
    try (NDManager manager = NDManager.newBaseManager()) {
      SequentialBlock block = block();
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 784));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      block.saveParameters(new DataOutputStream(out));
      bytes = out.toByteArray();
    }
    Thread churn = new Thread(() -> {
      Object[] kept = new Object[64];
      for (int i = 0; ; i++) {
        kept[i & 63] = new byte[4096];
      }
    }, "churn");
    churn.setDaemon(true);
    churn.start();
    for (int i = 0; i < loads; i++) {
      try (NDManager manager = NDManager.newBaseManager()) {
        SequentialBlock block = block();
        block.loadParameters(fenced ? FencedManager.around(manager) : manager,
            new DataInputStream(new ByteArrayInputStream(bytes)));
      }
    }
    System.out.println("done " + loads);
  }

  private static SequentialBlock block() {
    SequentialBlock block = new SequentialBlock();
    block.add(Linear.builder().setUnits(512).build());
    block.add(Linear.builder().setUnits(512).build());
    return block;
  }
}
