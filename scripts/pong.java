///usr/bin/env jbang "$0" "$@" ; exit $?
// pong: the article's server, for steps 1 to 4 (single, second and third server, bind failure).
//
// The article starts `TCPServer.new("localhost", 3000)` in one terminal after another.
// Each server resolves localhost, binds the first address that is still free and
// answers every client with "pong from ADDR". Once every address of localhost is
// taken, the next server fails with "Address already in use". This is that server.
//
//   jbang pong@catalog              # terminal 1: Listen on [::1]:3000 (or 127.0.0.1:3000)
//   jbang pong@catalog              # terminal 2: the next address of localhost
//   jbang ping@catalog              # pong from ...
//
//JAVA 17+
// The kit's JVM and javac options, the same in every tool: why each, docs/performance.md ("The tools' JVM options").
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-XX:-UsePerfData
//RUNTIME_OPTIONS -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 -XX:TieredStopAtLevel=1 -XX:-UsePerfData
//DEPS info.picocli:picocli:4.7.7
//SOURCES lab/Cli.java lab/RememberedOptions.java lab/Article.java lab/ArticleHosts.java lab/ArticleStory.java lab/Endpoint.java lab/Failure.java lab/GivenFiles.java lab/HostsFile.java lab/OperatingSystem.java lab/Lifelines.java lab/ProcessOutput.java lab/ProcFiles.java lab/Listeners.java lab/Resolving.java lab/Sandbox.java lab/SharedSandbox.java lab/SandboxOption.java lab/Servers.java lab/SessionFiles.java lab/SocketErrors.java lab/Tools.java

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import lab.Cli;
import lab.Endpoint;
import lab.Failure;
import lab.Lifelines;
import lab.Listeners;
import lab.Resolving;
import lab.SocketErrors;
import lab.SandboxOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pong", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Listen on the first free address of HOST:PORT, in the resolver's order, and answer every client with 'pong from ADDR'.",
                "Run it again in another terminal: each run takes the next address, until none is left."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "1:no address could be bound (Address already in use)", "2:bad command line"})
class pong implements Callable<Integer>, Cli.OwnLifeline {
    @Mixin
    Endpoint endpoint;

    @Option(names = "--allow-non-loopback", description = "allow binding an address that is not loopback (prints a warning)")
    boolean allowNonLoopback;

    @Option(names = "--reuse-port", description = "set SO_REUSEPORT, so that several servers share one address and port; the reply then names this server's pid too")
    boolean reusePort;

    @Option(names = "--exit-with-stdin", hidden = true, description = "exit when stdin closes: the lab's servers die with their parent")
    boolean exitWithStdin;

    @Mixin
    SandboxOption sandbox;

    public static void main(String... args) {
        System.exit(Cli.run(new pong(), args));
    }

    @Override
    public Integer call() throws IOException {
        // Java's default order puts 127.0.0.1 before ::1. The article's server and nc
        // take getaddrinfo's order, so ask for the OS order before the first lookup.
        Resolving.useOsOrder();
        List<InetAddress> addresses = Resolving.resolve(endpoint.host);
        Resolving.requireLoopback(endpoint.host, addresses, "--allow-non-loopback", allowNonLoopback);

        if (reusePort) requireReusePort();

        // TCPServer.new(host, port): try each address in order and keep the first that binds.
        ServerSocket server = null;
        List<String> tried = new ArrayList<>();
        for (InetAddress address : addresses) {
            ServerSocket candidate = new ServerSocket(); // no SO_REUSEPORT: one listener per address
            if (reusePort) candidate.setOption(StandardSocketOptions.SO_REUSEPORT, true); // unless asked
            try {
                candidate.bind(new InetSocketAddress(address, endpoint.port));
                server = candidate;
                break;
            } catch (IOException e) {
                candidate.close();
                tried.add(whyNot(address, e));
            }
        }
        if (server == null) {
            throw Failure.failed("cannot listen on " + endpoint.host + ":" + endpoint.port + ": " + summary(tried) + ": " + String.join(", ", tried));
        }

        String self = Resolving.format(server.getInetAddress(), endpoint.port);
        // From a terminal or make: it goes when they go. Watched before "Listen on", which is when the caller may go.
        if (!exitWithStdin) Lifelines.exitWithParent(server);
        System.out.println("Listen on " + self);
        System.out.flush();
        if (exitWithStdin) Lifelines.exitWhenStdinCloses(server);
        // Servers that share an address by SO_REUSEPORT would all say the same: name the process too.
        String who = reusePort ? " (pid " + ProcessHandle.current().pid() + ")" : "";
        byte[] reply = ("pong from " + self + who + "\n").getBytes(StandardCharsets.UTF_8);
        while (!server.isClosed()) {
            try (Socket client = server.accept()) {
                client.getOutputStream().write(reply);
            } catch (IOException e) {
                // a client that hung up early is its own problem; keep serving
            }
        }
        return Cli.OK; // the lab closed us: its lifeline (stdin) ended
    }

    /** SO_REUSEPORT is Linux's and BSD's; a system without it (Windows) says so in one line. */
    private static void requireReusePort() throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            if (!probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                throw Failure.usage("--reuse-port: this system's Java has no SO_REUSEPORT");
            }
        }
    }

    /** One tried address and why it did not bind, naming who holds it when it is taken. */
    private String whyNot(InetAddress address, IOException e) {
        String where = Resolving.format(address, endpoint.port);
        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
        SocketErrors.Kind kind = SocketErrors.of(e); // by the system's words in any language: they may be German
        if (kind == SocketErrors.Kind.IN_USE) {
            List<String> holders = Listeners.holding(address, endpoint.port).stream().map(Listeners.Listener::owner).toList();
            return where + (holders.isEmpty() ? " (in use)" : " (held by " + String.join(", ", holders) + ")");
        }
        if (kind == SocketErrors.Kind.DENIED && endpoint.port < 1024) {
            throw Failure.usage("port " + endpoint.port + " is privileged: binding it needs root or CAP_NET_BIND_SERVICE; pick a port from 1024 up");
        }
        // Not an address of this machine; for ::1 that means IPv6 is off (Java then has no IPv6 sockets at all).
        if (kind == SocketErrors.Kind.NOT_HERE || reason.startsWith("Protocol family unavailable")
                || reason.contains("family not supported")) {
            String hint = address.isLoopbackAddress() && address.getAddress().length == 16
                    ? "IPv6 is not set up on this machine's loopback" : "this machine has no such address";
            System.err.println("pong: skipping " + where + ": " + hint + " (" + reason + ")");
            return where + " (" + hint + ")";
        }
        return where + " (" + reason + ")";
    }

    private static String summary(List<String> tried) {
        long inUse = tried.stream().filter(t -> t.contains("(held by") || t.contains("(in use)")).count();
        if (inUse == tried.size()) return "Address already in use on every address it resolves to";
        return inUse > 0 ? "Address already in use, or not available, on every address it resolves to"
                         : "no address it resolves to could be bound";
    }
}
