package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aeserve import} against a real server on loopback, with the server module's ONNX fixtures
 * (made by server/src/test/python/make_import_fixtures.py): the pair registers, {@code aeserve
 * encode} answers ONNX Runtime's latents, and a manifest or a graph that is wrong is refused with a
 * message naming it.
 */
class ImportCommandTest {

  private static final Path FIXTURES = Path.of("..", "server", "src", "test", "resources", "imports");
  private static CliTestServer server;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() {
    server = new CliTestServer();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String fixture(String name) {
    return FIXTURES.resolve(name).toString();
  }

  @Test
  void anOnnxPairImportsAndEncodesAsOnnxRuntimeDoes() throws IOException {
    CliTestServer.Result imported = server.call("import", "--encoder", fixture("ae_encoder.onnx"), "--decoder",
        fixture("ae_decoder.onnx"), "--manifest", fixture("ae_manifest.json"), "--register", "cli-onnx-ae");
    assertThat(imported.code()).as(imported.err()).isZero();
    assertThat(imported.out()).contains("registered cli-onnx-ae:1 (onnx ae, 6 -> 3, sha256 ");
    System.out.print(imported.out());

    JsonNode expected = new ObjectMapper().readTree(FIXTURES.resolve("ae_expected.json").toFile());
    Path input = dir.resolve("x.csv");
    StringBuilder csv = new StringBuilder();
    for (JsonNode row : expected.get("x")) {
      for (int c = 0; c < row.size(); c++) {
        csv.append(c == 0 ? "" : ",").append(row.get(c).floatValue());
      }
      csv.append('\n');
    }
    Files.writeString(input, csv);
    CliTestServer.Result encoded = server.call("encode", "--model", "cli-onnx-ae", "--input", input.toString());
    assertThat(encoded.code()).as(encoded.err()).isZero();
    assertThat(encoded.err()).contains("OnnxRuntime");
    String[] lines = encoded.out().strip().split("\n");
    assertThat(lines).hasSize(expected.get("encoded").size());
    for (int r = 0; r < lines.length; r++) {
      String[] cells = lines[r].split(",");
      for (int c = 0; c < cells.length; c++) {
        assertThat(Double.parseDouble(cells[c])).isCloseTo(expected.get("encoded").get(r).get(c).asDouble(),
            within(1e-5));
      }
    }
  }

  @Test
  void aWrongManifestIsRefusedBeforeUploadAndAWrongGraphByTheServer() throws IOException {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, Files.readString(FIXTURES.resolve("ae_manifest.json")).replace("\"latentDim\"",
        "\"latentDims\""));
    CliTestServer.Result manifest = server.call("import", "--encoder", fixture("ae_encoder.onnx"), "--decoder",
        fixture("ae_decoder.onnx"), "--manifest", bad.toString(), "--register", "cli-onnx-bad");
    assertThat(manifest.code()).isEqualTo(1);
    assertThat(manifest.err()).contains("import manifest has unknown field latentDims");

    CliTestServer.Result graph = server.call("import", "--encoder", fixture("static_batch_encoder.onnx"), "--decoder",
        fixture("ae_decoder.onnx"), "--manifest", fixture("ae_manifest.json"), "--register", "cli-onnx-static");
    assertThat(graph.code()).isEqualTo(1);
    assertThat(graph.err()).contains("the encoder input 'x' has a static batch axis of 4");
    System.out.print(manifest.err() + graph.err());
  }
}
