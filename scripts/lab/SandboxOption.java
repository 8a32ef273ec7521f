package lab;

import java.nio.file.Path;
import java.util.OptionalInt;

import picocli.CommandLine;

/** The --sandbox option, shared by every tool as a picocli mixin; {@link Cli} acts on it before the tool's call(). */
public final class SandboxOption implements Cli.RunsElsewhere {
    @CommandLine.Option(names = "--sandbox", paramLabel = "article",
            description = "article: the article's Mac, localhost = [::1], [fe80::1], 127.0.0.1 (a private Linux sandbox; on a Mac,"
                    + " only where /etc/hosts has its fe80::1%%lo0 line, else exit 1; see README)")
    String sandbox;

    /** The tool's exit code when it ran inside the article's sandbox, or empty to go on here. */
    @Override
    public OptionalInt runElsewhere(Cli.Invocation invocation, Path hostsFile) {
        if (sandbox == null) return OptionalInt.empty(); // the common case, decided before anything else is read
        return Article.enter(sandbox, hostsFile, invocation.tool(), invocation.args());
    }
}
