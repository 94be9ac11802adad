package dev.aeserve.autoencoders.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.aeserve.autoencoders.EngineKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FencedManagerTest {

  @ParameterizedTest
  @EnumSource(value = EngineKind.class, names = {"MXNET", "PYTORCH"}) // the engines that load DJL blocks
  void loadsTheSavedParametersIntoArraysTheEngineManagerOwns(EngineKind engine) throws Exception {
    try (NDManager manager = Engine.getEngine(engine.djlName()).newBaseManager()) {
      SequentialBlock saved = block();
      saved.initialize(manager, DataType.FLOAT32, new Shape(1, 20));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      saved.saveParameters(new DataOutputStream(out));

      SequentialBlock loaded = block();
      loaded.loadParameters(FencedManager.around(manager),
          new DataInputStream(new ByteArrayInputStream(out.toByteArray())));

      ParameterList want = saved.getParameters();
      ParameterList got = loaded.getParameters();
      assertThat(got.size()).isEqualTo(want.size());
      for (int i = 0; i < want.size(); i++) {
        NDArray a = want.get(i).getValue().getArray();
        NDArray b = got.get(i).getValue().getArray();
        assertThat(b.getShape()).isEqualTo(a.getShape());
        assertThat(b.toFloatArray()).containsExactly(a.toFloatArray());
        // Owned by the engine's manager, so they close with it; the proxy owns nothing.
        assertThat(b.getManager()).isSameAs(manager);
      }
    }
  }

  /**
   * The fault this class exists for: every block of 128 KiB or more mapped on its own, so a buffer
   * freed during the engine's copy is unmapped under it. Through the engine's manager the child
   * died within 500 loads every time it was tried (see {@link ParameterLoadChurn}).
   */
  @Test
  void parameterLoadsSurviveCollectionsDuringTheCopyWhenFreedBlocksAreUnmapped(@TempDir Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-Xmn2m", "-XX:+UseSerialGC", "-XX:-CreateCoredumpOnCrash",
        "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
        "-cp", System.getProperty("java.class.path"), ParameterLoadChurn.class.getName(), "fenced", "1000");
    pb.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
    pb.environment().put("DJL_OFFLINE", "true");
    pb.redirectErrorStream(true);
    Process child = pb.start();
    List<String> lines = new ArrayList<>();
    try (var reader = child.inputReader(StandardCharsets.UTF_8)) {
      reader.lines().forEach(lines::add);
    }
    assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(child.exitValue()).as("child exit; its output: %s", lines).isZero();
    assertThat(lines).contains("done 1000");
  }

  private static SequentialBlock block() {
    SequentialBlock block = new SequentialBlock();
    block.add(Linear.builder().setUnits(8).build());
    block.add(Linear.builder().setUnits(3).build());
    return block;
  }
}
