package dev.aeserve.autoencoders.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.loss.Loss;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.ReconstructionLoss;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BinaryCrossEntropyTest {

  @ParameterizedTest
  @EnumSource(EngineKind.class)
  void equalsTheReportedLossAndIsPositive(EngineKind engine) {
    float[] x = {1f, 0f, 0.3f, 1f};
    float[] p = {0.9f, 0.2f, 0.5f, 1f};
    double expected = 0;
    for (int i = 0; i < x.length; i++) {
      expected += ReconstructionLoss.BCE.element(x[i], p[i]) / x.length;
    }
    try (NDManager m = Engine.getEngine(engine.djlName()).newBaseManager()) {
      NDList labels = new NDList(m.create(x));
      NDList predictions = new NDList(m.create(p));

      double ours = new BinaryCrossEntropy().evaluate(labels, predictions).getFloat();
      double djl = Loss.sigmoidBinaryCrossEntropyLoss("bce", 1f, true).evaluate(labels, predictions).getFloat();

      assertThat(ours).isPositive().isCloseTo(expected, within(1e-5));
      // DJL 0.36's fromSigmoid branch lacks the minus sign, which is why BinaryCrossEntropy
      // exists. When this fails, DJL has fixed it and BinaryCrossEntropy can go.
      assertThat(djl).isCloseTo(-ours, within(1e-5));
    }
  }
}
