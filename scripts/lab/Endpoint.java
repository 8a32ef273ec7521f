package lab;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/**
 * The HOST:PORT a tool serves or asks, and where HOST resolves from: one picocli mixin for
 * every tool that takes --host, --port and --hosts-file. {@link Cli} applies --hosts-file
 * before the tool's call(), so the tool only resolves.
 */
public final class Endpoint {
    @Option(names = "--host", defaultValue = "localhost", description = "name to resolve (default: ${DEFAULT-VALUE})")
    public String host;

    @Option(names = {"-p", "--port"}, defaultValue = "3000", converter = Cli.Port.class, description = "TCP port (default: ${DEFAULT-VALUE})")
    public int port;

    @Option(names = "--hosts-file", paramLabel = "FILE", description = "resolve from this private hosts file, in its order, instead of the OS (Java's jdk.net.hosts.file)")
    public Path hostsFile;
}
