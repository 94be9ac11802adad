package dev.aeserve.server;

import static dev.aeserve.server.ImportTest.assertClose;
import static dev.aeserve.server.ImportTest.assertInvalid;
import static dev.aeserve.server.ImportTest.edit;
import static dev.aeserve.server.ImportTest.matrix;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aeserve.autoencoders.ImportArtifact;
import dev.aeserve.autoencoders.ImportManifest;
import dev.aeserve.client.DecodeResult;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.client.SampleOptions;
import dev.aeserve.proto.v1.VersionInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Versions imported as TorchScript encoder/decoder pairs serve, on DJL's PyTorch engine, exactly
 * what PyTorch computes for them in Python, and each TorchScript import a user gets wrong is
 * refused with INVALID_ARGUMENT naming the problem, leaving no version. The modules and PyTorch's
 * outputs are fixtures made by src/test/python/make_torchscript_fixtures.py
 * (check-torchscript-fixtures regenerates them where a PyTorch is installed).
 */
class TorchScriptImportTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static ServerFixture f;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void aTorchScriptAeAnswersEncodeReconstructAndDecodeAsPyTorchDoes() {
    VersionInfo v = importPair("ts-ae", "ae", "ae_encoder", "ae_decoder", manifest("ae"));
    JsonNode expected = json("ae_expected.json");
    ModelSelector model = ModelSelector.model("ts-ae");

    EncodeResult encoded = f.client.encode(model, matrix(expected.get("x")));
    assertThat(encoded.servedBy().engine()).isEqualTo("PyTorch");
    assertThat(encoded.servedBy().version()).isEqualTo(v.getVersion());
    assertThat(json(v.getMetricsJson().getBytes(StandardCharsets.UTF_8)).path("importedFrom").asText())
        .isEqualTo("torchscript");
    assertClose("TorchScript Encode", encoded.latents(), expected.get("encoded"));
    assertClose("TorchScript Reconstruct", f.client.reconstruct(model, matrix(expected.get("x"))).outputs(),
        expected.get("reconstructed"));
    DecodeResult decoded = f.client.decode(model, matrix(expected.get("z")), encoded.latentFingerprint());
    assertClose("TorchScript Decode", decoded.outputs(), expected.get("decoded"));
  }

  @Test
  void aTracedTorchScriptVaeReturnsMeanAndLogVarianceAsATuple() {
    importPair("ts-vae", "vae", "vae_encoder", "vae_decoder", manifest("vae"));
    JsonNode expected = json("vae_expected.json");
    ModelSelector model = ModelSelector.model("ts-vae");

    EncodeResult encoded = f.client.encode(model, matrix(expected.get("x")));
    assertThat(encoded.servedBy().engine()).isEqualTo("PyTorch");
    assertClose("TorchScript Encode mean", encoded.latents(), expected.get("encoded"));
    assertClose("TorchScript Encode log-variance", encoded.logVariances(), expected.get("logVariance"));
    assertClose("TorchScript Reconstruct", f.client.reconstruct(model, matrix(expected.get("x"))).outputs(),
        expected.get("reconstructed"));
    assertClose("TorchScript Decode", f.client.decode(model, matrix(expected.get("z"))).outputs(),
        expected.get("decoded"));
    assertThat(f.client.sample(model, SampleOptions.count(3).withSeed(7)).samples()).hasNumberOfRows(3);
  }

  @Test
  void torchScriptImportsAUserGetsWrongAreRefusedNamingTheProblemAndLeaveNoVersion() {
    refused("ts-static-batch", "static_batch_encoder", "ae_decoder", manifest("ae"),
        "the encoder ran a batch of 4 rows but fails on 1 row, so its batch axis is static");
    refused("ts-wrong-name", "ae_encoder", "ae_decoder",
        edit(manifest("ae"), m -> ((ObjectNode) m.get("encoder")).put("input", "input")),
        "the encoder module's forward has no input 'input' (manifest encoder.input); its inputs are [x]");
    refused("ts-latent-mismatch", "ae_encoder", "latent4_decoder", manifest("ae"),
        "the decoder does not take 3 latent values per row", "disagree on the latent size");
    refused("ts-double-input", "double_input_encoder", "ae_decoder", manifest("ae"),
        "the encoder fails on float32 input", "aeserve exchanges float32 tensors");
    refused("ts-fails-on-golden", "div_encoder", "ae_decoder", manifest("ae"),
        "golden batch row 0 encodes to non-finite values");
    refused("ts-onnx-bytes", "ae_encoder", "ae_decoder", manifest("ae"), ImportTest.fixture("ae_encoder.onnx"),
        "the encoder is not a TorchScript archive");
  }

  private static VersionInfo importPair(String model, String family, String encoder, String decoder,
      String manifest) {
    return upload(model, family, fixture(encoder + ".pt"), fixture(decoder + ".pt"), manifest);
  }

  private static VersionInfo upload(String model, String family, byte[] encoder, byte[] decoder, String manifest) {
    ImportManifest m = ImportManifest.fromJson(manifest);
    byte[] artifact = new ImportArtifact(m, encoder, decoder).toBytes();
    f.client.createModel(model, family, "torchscript import test");
    return f.client.uploadVersion(model, m.spec().toJson(), m.metricsJson(), null, artifact);
  }

  private static void refused(String model, String encoder, String decoder, String manifest,
      String... messageParts) {
    refused(model, encoder, decoder, manifest, fixture(encoder + ".pt"), messageParts);
  }

  private static void refused(String model, String encoder, String decoder, String manifest, byte[] encoderBytes,
      String... messageParts) {
    String description = assertInvalid(() -> upload(model, "ae", encoderBytes, fixture(decoder + ".pt"), manifest),
        messageParts);
    System.out.println(model + ": INVALID_ARGUMENT " + description);
    assertThat(f.client.listVersions(model)).as(model + " has no version").isEmpty();
  }

  private static String manifest(String family) {
    return new String(fixture(family + "_manifest.json"), StandardCharsets.UTF_8);
  }

  private static JsonNode json(String name) {
    return json(fixture(name));
  }

  private static JsonNode json(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] fixture(String name) {
    return ImportTest.resource("/imports-torchscript/" + name);
  }
}
