///usr/bin/env jbang "$0" "$@" ; exit $?
// ping: the article's client, `nc localhost 3000`, for step 6 (client ordering).
//
// nc walks the resolver's list of addresses and moves to the next one when a
// connection is refused, so it reaches the first address that has a server.
// A plain Java `new Socket(host, port)` does not: it takes one address, in
// Java's own order (IPv4 first), and gives up if nobody listens there.
// --all is the article's for-loop that asks every address in turn.
//
//   jbang ping@catalog                  # like: nc localhost 3000
//   jbang ping@catalog --java-socket    # like: new Socket("localhost", 3000)
//   jbang ping@catalog --all            # like: for ip in ...; do nc $ip 3000; done
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//SOURCES lab/Cli.java lab/RememberedOptions.java lab/Article.java lab/ArticleHosts.java lab/ArticleStory.java lab/Endpoint.java lab/Failure.java lab/GivenFiles.java lab/HostsFile.java lab/OperatingSystem.java lab/Lifelines.java lab/ProcessOutput.java lab/ProcFiles.java lab/Resolving.java lab/Sandbox.java lab/SharedSandbox.java lab/SandboxOption.java lab/Servers.java lab/SessionFiles.java lab/SocketErrors.java lab/Tools.java

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

import lab.Cli;
import lab.Endpoint;
import lab.Failure;
import lab.Resolving;
import lab.SocketErrors;
import lab.SandboxOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ping", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Connect to HOST:PORT the way nc does (next address on failure) and print the reply.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:a server answered", "1:nothing answered", "2:bad command line"})
class ping implements Callable<Integer>, Cli.Checked {
    @Mixin
    Endpoint endpoint;

    @Option(names = "--all", description = "ask every address in turn and print one line each")
    boolean all;

    @Option(names = "--java-socket", description = "do what a default Java program does: new Socket(host, port), one address, no fallback")
    boolean javaSocket;

    @Option(names = "--timeout", defaultValue = "2000", paramLabel = "MS", description = "connect and read timeout in ms (default: ${DEFAULT-VALUE})")
    int timeoutMillis;

    @Mixin
    SandboxOption sandbox;

    public static void main(String... args) {
        System.exit(Cli.run(new ping(), args));
    }

    @Override
    public void check() {
        // 0 would mean "wait forever" to Java's sockets.
        if (timeoutMillis < 1) throw Failure.usage("--timeout must be at least 1 ms, not " + timeoutMillis);
    }

    @Override
    public Integer call() {
        // nc asks getaddrinfo and keeps its order; --java-socket shows Java's default instead,
        // even when a parent (the lab's kernel) passed its own order setting on.
        if (javaSocket) System.setProperty(Resolving.PREFER_IPV6, "false");
        else Resolving.useOsOrder();
        List<InetAddress> addresses = Resolving.resolve(endpoint.host);
        Resolving.requireLoopback(endpoint.host, addresses, null, false);
        if (javaSocket) return javaSocket();
        if (all) return askEach(addresses);

        // nc: try each address in order, fall back on any failure, stop at the first reply.
        for (int i = 0; i < addresses.size(); i++) {
            try {
                System.out.println(ask(addresses.get(i)));
                return Cli.OK;
            } catch (IOException e) {
                boolean more = i + 1 < addresses.size();
                System.err.println("ping: " + Resolving.format(addresses.get(i), endpoint.port) + ": " + reason(e) + (more ? ", trying the next address" : ""));
            }
        }
        throw nothingAnswered(addresses);
    }

    private Failure nothingAnswered(List<InetAddress> tried) {
        return Failure.failed("nothing answered on " + endpoint.host + ":" + endpoint.port + " (" + tried.size() + " address(es) tried)");
    }

    /** The article's loop over every address: one line each, the reply or why there was none. */
    private int askEach(List<InetAddress> addresses) {
        int answered = 0;
        for (InetAddress address : addresses) {
            String where = Resolving.format(address, endpoint.port);
            try {
                System.out.printf("%-22s %s%n", where, ask(address));
                answered++;
            } catch (IOException e) {
                System.out.printf("%-22s %s%n", where, reason(e));
            }
        }
        if (answered == 0) throw nothingAnswered(addresses);
        return Cli.OK;
    }

    /** Java's one-liner: it resolves once, takes the first address, and never falls back. */
    private int javaSocket() {
        try (Socket socket = new Socket(endpoint.host, endpoint.port)) {
            socket.setSoTimeout(timeoutMillis);
            System.out.println(readReply(socket));
            return Cli.OK;
        } catch (IOException e) {
            String first = Resolving.format(Resolving.resolve(endpoint.host).get(0), endpoint.port);
            throw Failure.failed("new Socket(\"" + endpoint.host + "\", " + endpoint.port + ") tried " + first + " only: " + reason(e)
                    + " (Java does not fall back to the next address)");
        }
    }

    private String ask(InetAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, endpoint.port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            return readReply(socket);
        }
    }

    /** The reply up to end of stream, or its first 64 KiB: a server that never stops talking is not pong. */
    private static String readReply(Socket socket) throws IOException {
        return new String(socket.getInputStream().readNBytes(64 * 1024), StandardCharsets.UTF_8).stripTrailing();
    }

    private static String reason(IOException e) {
        return SocketErrors.inEnglish(e); // "Connection refused" in any locale, as nc's own line says it
    }
}
