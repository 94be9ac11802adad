package dev.aeserve.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code aeserve completion bash|zsh}: a completion script for every command and option, made from
 * the same command model that parses them, so it never falls behind.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = {"Print a shell completion script for aeserve.",
        "bash: source <(./aeserve completion bash)   (or save it under /etc/bash_completion.d/aeserve)",
        "zsh:  source <(./aeserve completion zsh)    (in ~/.zshrc)"})
final class CompletionCommand implements Runnable {

  enum Shell { bash, zsh }

  @Parameters(index = "0", paramLabel = "bash|zsh", description = "The shell: ${COMPLETION-CANDIDATES}.")
  Shell shell;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    // One script serves both: under zsh it turns on zsh's bash-completion emulation
    // (bashcompinit) itself before it registers the completion function.
    System.out.print(AutoComplete.bash("aeserve", spec.root().commandLine()));
    System.out.flush();
  }
}
