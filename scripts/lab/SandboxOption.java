package lab;

import java.nio.file.Path;
import java.util.OptionalInt;

import picocli.CommandLine;

/** The --sandbox option, shared by every tool as a picocli mixin. */
public final class SandboxOption {
    @CommandLine.Option(names = "--sandbox", paramLabel = "article",
            description = "article: the article's Mac, localhost = [::1], [fe80::1], 127.0.0.1 (a private Linux sandbox; see README)")
    String sandbox;

    /**
     * Call it first in call(): the tool's exit code when it ran inside the
     * article's sandbox (return it too), or empty to go on here.
     * {@code hostsFile} is the tool's --hosts-file, or null.
     */
    public OptionalInt enter(Path hostsFile) {
        if (sandbox == null) return OptionalInt.empty(); // the common case, decided before anything else is read
        return Article.enter(sandbox, hostsFile, Cli.invocation().tool(), Cli.invocation().args());
    }
}
