package dev.aeserve.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aeserve.registry.ApiToken;
import dev.aeserve.registry.IssuedToken;
import dev.aeserve.registry.TokenScope;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code aeserve token create|list|revoke}: bearer tokens, straight in the registry database (the
 * same {@code --db-url} or {@code --data-dir} as {@code serve}), so that the first admin token
 * exists before any server runs.
 */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Manage bearer tokens in the registry database.",
    subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a token and print it once on stdout; only its SHA-256 is stored.")
  static final class Create implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "Recorded as the actor in the audit log.")
    String name;

    @Option(names = "--scopes", split = ",", required = true, paramLabel = "SCOPE",
        description = "infer, registry:read, registry:write, admin (comma-separated).")
    List<String> scopes;

    @Mixin
    DatabaseOptions database;

    @Override
    public void run() {
      Set<TokenScope> parsed = EnumSet.noneOf(TokenScope.class);
      for (String s : scopes) {
        parsed.add(TokenScope.parse(s));
      }
      try (RegistryBackend backend = RegistryBackend.open(database, System.err)) {
        IssuedToken issued = backend.tokens().create(name, parsed);
        System.err.println("token '" + name + "' with scopes " + scopeList(issued.token().scopes())
            + "; it is shown once, store it now (clients read it from --token or AESERVE_TOKEN):");
        System.out.println(issued.secret());
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets).")
  static final class ListTokens implements Runnable {
    @Mixin
    DatabaseOptions database;

    @Mixin
    OutputOption output;

    @Override
    public void run() {
      try (RegistryBackend backend = RegistryBackend.open(database, System.err)) {
        if (output.json()) {
          System.out.println(json(backend.tokens().list()));
          return;
        }
        System.out.println("name\tscopes\tcreated\trevoked");
        for (ApiToken t : backend.tokens().list()) {
          System.out.println(t.name() + "\t" + scopeList(t.scopes()) + "\t" + t.createdAt() + "\t"
              + (t.revoked() ? t.revokedAt() : "-"));
        }
      }
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a token; servers refuse it within 5 seconds.")
  static final class Revoke implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin
    DatabaseOptions database;

    @Override
    public void run() {
      try (RegistryBackend backend = RegistryBackend.open(database, System.err)) {
        ApiToken t = backend.tokens().revoke(name);
        System.out.println("revoked '" + t.name() + "' at " + t.revokedAt());
      }
    }
  }

  /** The same columns as the table, as an array of objects; never a secret or its hash. */
  static String json(List<ApiToken> tokens) {
    ObjectMapper mapper = new ObjectMapper();
    ArrayNode array = mapper.createArrayNode();
    for (ApiToken t : tokens) {
      ObjectNode o = array.addObject();
      o.put("name", t.name());
      ArrayNode scopes = o.putArray("scopes");
      t.scopes().stream().sorted().map(TokenScope::wireName).forEach(scopes::add);
      o.put("created", t.createdAt().toString());
      if (t.revoked()) {
        o.put("revoked", t.revokedAt().toString());
      } else {
        o.putNull("revoked");
      }
    }
    return array.toString();
  }

  private static String scopeList(Set<TokenScope> scopes) {
    return scopes.stream().sorted().map(TokenScope::wireName).collect(Collectors.joining(","));
  }
}
