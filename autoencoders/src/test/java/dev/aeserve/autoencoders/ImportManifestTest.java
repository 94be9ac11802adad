package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The import manifest is parsed field by field, and each refusal names its field. */
class ImportManifestTest {

  private static final String AE = """
      {"format": "onnx", "family": "ae", "inputDim": 6, "latentDim": 3,
       "encoder": {"input": "x", "output": "z"}, "decoder": {"input": "z", "output": "x_hat"}, "score": "bce"}""";
  private static final String VAE = """
      {"format": "onnx", "family": "vae", "inputDim": 6, "latentDim": 3,
       "encoder": {"input": "x", "mean": "mu", "logVariance": "logvar"},
       "decoder": {"input": "z", "output": "x_hat"}}""";
  private static final String MULTVAE = """
      {"format": "onnx", "family": "multvae", "inputDim": 3, "latentDim": 2, "itemIds": ["a", "b", "c"],
       "encoder": {"input": "counts", "mean": "mu", "logVariance": "logvar"},
       "decoder": {"input": "z", "output": "logits"}}""";

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of(AE.replace("\"onnx\"", "\"tflite\""), "field format is 'tflite'; use onnx or torchscript"),
        Arguments.of(AE.replace("\"format\": \"onnx\", ", ""), "field format is missing"),
        Arguments.of(AE.replace("\"ae\"", "\"cvae\""), "field family is 'cvae'; imports serve ae, dae, vae and multvae"),
        Arguments.of(AE.replace("\"ae\"", "\"gan\""), "field family is 'gan'"),
        Arguments.of(AE.replace("\"inputDim\": 6", "\"inputDim\": 0"), "field inputDim is 0"),
        Arguments.of(AE.replace("\"latentDim\": 3", "\"latentDim\": 2.5"), "field latentDim must be a whole number"),
        Arguments.of(AE.replace("\"latentDim\": 3,", ""), "field latentDim is missing"),
        Arguments.of(AE.replace("\"input\": \"x\", ", ""), "field encoder.input is missing"),
        Arguments.of(AE.replace("\"output\": \"z\"", "\"output\": 7"), "field encoder.output must be a string"),
        Arguments.of(AE.replace("\"output\": \"z\"", "\"mean\": \"z\""), "field encoder.output is missing"),
        Arguments.of(AE.replace("\"output\": \"x_hat\"", "\"outputs\": \"x_hat\""),
            "unknown field decoder.outputs"),
        Arguments.of(AE.replace("\"score\"", "\"scores\""), "unknown field scores"),
        Arguments.of(AE.replace("\"bce\"", "\"neg_elbo\""), "field score is 'neg_elbo'; use mse or bce"),
        Arguments.of(AE.replace("\"decoder\": {\"input\": \"z\", \"output\": \"x_hat\"}", "\"decoder\": \"dec.onnx\""),
            "field decoder must be an object"),
        Arguments.of(VAE.replace("\"logVariance\": \"logvar\"", "\"logvar\": \"logvar\""),
            "unknown field encoder.logvar"),
        Arguments.of(VAE.replace("\"logVariance\": \"logvar\"", "\"logVariance\": \"mu\""),
            "field encoder.logVariance is the same tensor as encoder.mean"),
        Arguments.of(VAE.replace("\"mean\": \"mu\", ", ""), "field encoder.mean is missing"),
        Arguments.of(AE.replace("\"score\": \"bce\"", "\"inputDomain\": {\"lower\": [0, 0], \"upper\": [1, 1]}"),
            "field inputDomain has 2 features, inputDim is 6"),
        Arguments.of(AE.replace("\"score\": \"bce\"", "\"standardization\": {\"means\": [0], \"scales\": [0]}"),
            "field standardization is invalid: standardization scales must be finite and positive"),
        Arguments.of(AE.replace("\"score\": \"bce\"", "\"goldenBatch\": {\"rows\": []}"),
            "field goldenBatch is invalid: goldenBatch.rows is missing or empty"),
        Arguments.of(MULTVAE.replace("\"itemIds\": [\"a\", \"b\", \"c\"],", ""), "field itemIds is missing"),
        Arguments.of(MULTVAE.replace("\"c\"]", "\"c\", \"d\"]"), "field itemIds has 4 items, inputDim is 3"),
        Arguments.of(MULTVAE.replace("\"c\"]", "\"a\"]"), "field itemIds holds an id twice"),
        Arguments.of(MULTVAE.replace("\"c\"]", "3]"), "field itemIds[2] must be a non-empty string"),
        Arguments.of(MULTVAE.replace("\"itemIds\"", "\"score\": \"mse\", \"itemIds\""),
            "field score is 'mse'; a multvae's decoder outputs item logits"),
        Arguments.of(AE.replace("\"score\": \"bce\"", "\"itemIds\": [\"a\"]"),
            "field itemIds is for recommenders (multvae)"),
        Arguments.of("null", "import manifest must be a JSON object"),
        Arguments.of("{", "import manifest is not valid JSON"));
  }

  @ParameterizedTest
  @MethodSource("refusals")
  void eachRefusalNamesItsField(String json, String message) {
    assertThatThrownBy(() -> ImportManifest.fromJson(json)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aManifestGivesTheSpecItsVersionIsStoredWith() {
    AutoencoderSpec ae = ImportManifest.fromJson(AE).spec();
    assertThat(ae.family()).isEqualTo(Family.AE);
    assertThat(ae.inputDim()).isEqualTo(6);
    assertThat(ae.latentDim()).isEqualTo(3);
    assertThat(ae.loss()).isEqualTo("bce");
    assertThat(ae.domain()).isEqualTo(InputDomain.unit(6));
    AutoencoderSpec vae = ImportManifest.fromJson(VAE).spec();
    assertThat(vae.encoderOutputDim()).isEqualTo(6);
    assertThat(vae.canScore(ScoreKind.NEG_ELBO)).isTrue();
    ImportManifest.fromJson(AE).requireMatches(ae);
    AutoencoderSpec multvae = ImportManifest.fromJson(MULTVAE).spec();
    assertThat(multvae.family()).isEqualTo(Family.MULTVAE);
    assertThat(multvae.itemIds()).containsExactly("a", "b", "c");
    assertThat(multvae.loss()).isEqualTo("multinomial");
    assertThat(multvae.defaultScoreKind()).isEqualTo(ScoreKind.NEG_ELBO);
    assertThat(multvae.domain()).isEqualTo(InputDomain.nonNegative(3));
    assertThatThrownBy(() -> ImportManifest.fromJson(MULTVAE.replace("\"c\"]", "\"d\"]")).requireMatches(multvae))
        .hasMessageContaining("spec itemIds do not match the import manifest's itemIds");
    assertThatThrownBy(() -> ImportManifest.fromJson(AE).requireMatches(vae))
        .hasMessageContaining("spec family 'vae' does not match the import manifest's family 'ae'");
  }

  @Test
  void theArtifactRoundTripsAndRefusesCorruption() {
    ImportManifest m = ImportManifest.fromJson(VAE);
    byte[] bytes = new ImportArtifact(m, new byte[] {1, 2, 3}, new byte[] {4, 5}).toBytes();
    assertThat(ImportArtifact.isImport(bytes)).isTrue();
    ImportArtifact back = ImportArtifact.parse(bytes);
    assertThat(back.manifest()).isEqualTo(m);
    assertThat(back.encoder()).containsExactly(1, 2, 3);
    assertThat(back.decoder()).containsExactly(4, 5);
    bytes[bytes.length - 9] ^= 1; // the decoder's last byte
    assertThatThrownBy(() -> ImportArtifact.parse(bytes)).isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageContaining("checksum does not match");
    assertThat(ImportArtifact.isImport(new WeightsArtifact(new byte[1], new byte[1]).toBytes())).isFalse();
  }
}
