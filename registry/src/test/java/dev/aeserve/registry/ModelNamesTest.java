package dev.aeserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ModelNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "0", "mnist-vae", "fashion-mnist-2", "a-", "x123456789012345678901234567890123456789012345678901234567890ab"})
  void acceptsLowerCaseLettersDigitsAndHyphens(String name) {
    assertThat(name.length()).isLessThanOrEqualTo(63);
    assertThat(ModelNames.requireModelName(name)).isEqualTo(name);
    assertThat(ModelNames.requireAliasName(name)).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-lead", "Upper", "under_score", "dot.ted", "sp ace", "caf\u00e9", "new\nline",
      "x1234567890123456789012345678901234567890123456789012345678901234"})
  void refusesEverythingElseSayingWhatIsAllowed(String name) {
    assertThatThrownBy(() -> ModelNames.requireModelName(name))
        .isInstanceOf(InvalidRegistryRequestException.class)
        .hasMessageContaining("model name")
        .hasMessageContaining("allowed: 1 to 63 characters of a-z, 0-9 and '-'");
    assertThatThrownBy(() -> ModelNames.requireAliasName(name))
        .isInstanceOf(InvalidRegistryRequestException.class)
        .hasMessageContaining("alias name");
  }

  @Test
  void refusesNull() {
    assertThatThrownBy(() -> ModelNames.requireModelName(null))
        .isInstanceOf(InvalidRegistryRequestException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void latestResolvesButCannotBeSet() {
    assertThat(ModelNames.requireAliasName("latest")).isEqualTo("latest");
    assertThatThrownBy(() -> ModelNames.requireSettableAlias("latest"))
        .isInstanceOf(InvalidRegistryRequestException.class)
        .hasMessageContaining("reserved");
    assertThat(ModelNames.requireSettableAlias("production")).isEqualTo("production");
  }

  @Test
  void controlCharactersAreNotEchoed() {
    assertThatThrownBy(() -> ModelNames.requireModelName("evil\nFAKE LOG LINE"))
        .hasMessageNotContaining("\n");
  }
}
