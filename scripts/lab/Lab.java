package lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.spi.ToolProvider;

import lab.Servers.Server;

/**
 * The notebooks' plumbing, so that their cells can show only the key code:
 * which port to use, starting the kit's tools as separate processes (one per
 * "terminal" of the article), and the short ✓ lines that check each claim.
 *
 * The kit's classpath comes from LAB_CLASSPATH, which the kernel's spec sets (the
 * player runs on it already: its own java.class.path); servers start as `java -cp`
 * processes, which is fast.
 */
public final class Lab {
    public static final int ARTICLE_PORT = 3000;
    private static int port;
    private static boolean saidWhyNoSandbox;

    private Lab() {}

    /**
     * The port of this session: LAB_PORT if set (saying who holds it already, if anyone),
     * else the article's 3000, else, when another program holds 3000, a free one, saying who holds 3000.
     */
    public static synchronized int port() {
        if (port != 0) return port;
        String fromEnv = System.getenv("LAB_PORT");
        int chosen = fromEnv == null || fromEnv.isBlank() ? 0 : portFromEnvironment(fromEnv); // a bad one: said before anything else
        sayWhatLocalhostIs();
        List<String> holders = Listeners.onPort(chosen != 0 ? chosen : ARTICLE_PORT).stream().map(Listeners.Listener::owner).distinct().toList();
        if (chosen != 0) {
            port = chosen;
            System.out.println("Port " + port + " (from LAB_PORT).");
            // Chosen by hand, it is kept: a learner's own terminal pong may be what holds it.
            if (!holders.isEmpty()) {
                System.out.println("It is held already by " + holders
                        + ": a server below may not start there (stop that program, or set LAB_PORT to a free port).");
            }
        } else if (holders.isEmpty()) {
            port = ARTICLE_PORT;
            System.out.println("Port " + port + ", as in the article.");
        } else {
            port = freePort();
            System.out.println("Port " + ARTICLE_PORT + " is held by " + holders + "; this session uses port " + port
                    + " instead (set LAB_PORT to choose).");
        }
        return port;
    }

    private static boolean saidWhatLocalhostIs;

    /** Once per session: the one line on this machine's localhost (see {@link Localhost#describe}). */
    public static synchronized void sayWhatLocalhostIs() {
        if (saidWhatLocalhostIs) return;
        saidWhatLocalhostIs = true;
        System.out.println(Localhost.describe());
    }

    /** LAB_PORT's value as a port, or one line that names LAB_PORT and says what is wrong. */
    public static int portFromEnvironment(String value) {
        try {
            return Resolving.port(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("LAB_PORT=" + value + ": " + e.getMessage()
                    + "; set LAB_PORT to a free port, such as LAB_PORT=4000, or unset it");
        }
    }

    /**
     * A port no socket uses on any address right now. The probe binds [::] (dual-stack: free on every
     * address) but never listens: only step 10's sockets take every address, and a Mac's firewall asks about those.
     * Where IPv6 is off ("Protocol family unavailable"), 0.0.0.0 is every address there is.
     */
    public static int freePort() {
        IOException failed = null;
        for (String everyAddress : List.of("::", "0.0.0.0")) {
            try (Socket probe = new Socket()) {
                probe.bind(new InetSocketAddress(everyAddress, 0));
                return probe.getLocalPort();
            } catch (IOException e) {
                failed = e;
            }
        }
        throw new UncheckedIOException(failed);
    }

    /** `java -cp <kit> tool args`, with this JVM's resolver settings and article sandbox passed on. */
    static List<String> command(String tool, String... args) {
        return command(List.of(Resolving.PREFER_IPV6, Resolving.HOSTS_FILE, SharedSandbox.STATE), tool, args);
    }

    /** The same for a tool in a sandbox: it asks the sandbox's own /etc/hosts, never this JVM's private file. */
    private static List<String> commandForSandbox(String tool, String... args) {
        return command(List.of(Resolving.PREFER_IPV6), tool, args);
    }

    private static List<String> command(List<String> passedOn, String tool, String... args) {
        String classpath = System.getenv("LAB_CLASSPATH");
        if (classpath == null) classpath = System.getProperty("java.class.path");
        List<String> options = new ArrayList<>(ClassArchive.options(classpath));
        options.add(Servers.TOOL_JIT);
        for (String property : passedOn) {
            String value = System.getProperty(property);
            if (value != null) options.add("-D" + property + "=" + value);
        }
        return Servers.javaCommand(classpath, options, tool, Arrays.asList(args));
    }

    /**
     * Starts one more pong server on localhost:port, as the article does in a new
     * terminal, and prints what it said. It dies with this kernel or player.
     */
    public static Server pong(String... args) {
        return started(Servers.start(command("pong", pongArgs(args)), Duration.ofSeconds(20)));
    }

    /** The same inside a sandbox, where pong resolves through the sandbox's /etc/hosts. */
    public static Server pong(Sandbox box, String... args) {
        return started(Servers.start(box.inside(commandForSandbox("pong", pongArgs(args))), Duration.ofSeconds(20)));
    }

    private static String[] pongArgs(String... args) {
        List<String> all = new ArrayList<>(List.of("--exit-with-stdin", "--port", Integer.toString(port())));
        all.addAll(Arrays.asList(args));
        return all.toArray(String[]::new);
    }

    private static Server started(Server server) {
        System.out.println("pid " + server.pid() + ": " + (server.firstLine != null ? server.firstLine : "")
                + (server.listening() ? "" : server.stderr().strip()));
        return server;
    }

    /** Runs one of the kit's short-lived tools (ping, listeners, resolve) and prints its output. */
    public static void run(String tool, String... args) {
        read(tool, args);
    }

    /** The same, and returns the output too, for a cell that checks it. */
    public static String read(String tool, String... args) {
        return runAndPrint(null, command(tool, args));
    }

    /**
     * The same inside a sandbox: the tool resolves through the sandbox's /etc/hosts
     * (as nc there does), never this JVM's private hosts file.
     */
    public static String read(Sandbox box, String tool, String... args) {
        return runAndPrint(box, commandForSandbox(tool, args));
    }

    /**
     * Runs any program (nc, curl, getent) inside a sandbox, prints its output (stderr
     * included) and returns it. A program that is not installed is one ≠ line, and "".
     */
    public static String exec(Sandbox box, String... command) {
        if (Tools.find(command[0]).isEmpty()) {
            System.out.println(Tools.skipped(command[0]));
            return "";
        }
        return runAndPrint(box, List.of(command));
    }

    private static String runAndPrint(Sandbox box, List<String> command) {
        String text = output(box, command);
        System.out.print(text);
        return text;
    }

    /**
     * Runs a short-lived command to its end (at most 30 s), in {@code box} unless
     * it is null, and returns what it said, stderr included. It dies with us, and
     * an interrupted cell stops it (ProcessOutput.run).
     */
    private static String output(Sandbox box, List<String> command) {
        String name = command.get(0);
        try {
            ProcessOutput.Said said = ProcessOutput.run(command, box == null ? c -> c : box::inside, Duration.ofSeconds(30));
            if (said.outputHeld()) return name + " ended, but a process it started still holds its output open; output not shown\n";
            return said.text() + (said.exit() == null ? name + " did not finish within 30 s and was stopped\n" : "");
        } catch (IOException e) {
            return "cannot run " + name + ": " + e.getMessage() + "\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // an interrupted cell leaves nothing running: run stopped it
            throw new IllegalStateException("interrupted: " + String.join(" ", command));
        }
    }

    /** A file with these lines (a hosts file, a gai.conf), deleted when this session ends. */
    public static Path file(String... lines) {
        try {
            Path file = SessionFiles.newFile(SessionFiles.Kind.FILE);
            Files.writeString(file, String.join("\n", lines) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A Java class from these source lines, compiled once by javac (this JVM's own, as
     * `javac --release 17 -d DIR` would: the java on PATH that runs it may be older than this
     * one, and 17 is the lab's oldest): returns DIR, for `java -cp DIR Name`. Each run is then a
     * plain JVM start, where `java --source` compiles again (about a second each time).
     * Deleted when this session ends.
     */
    public static Path compiled(String... lines) {
        try {
            Path classes = SessionFiles.newFolder(SessionFiles.Kind.CLASSES);
            Path source = classes.resolve("Source.java"); // no class in it is public: any name will do
            Files.writeString(source, String.join("\n", lines) + "\n");
            StringWriter errors = new StringWriter();
            PrintWriter to = new PrintWriter(errors);
            int code = ToolProvider.findFirst("javac").orElseThrow(() -> new IllegalStateException(
                    "no javac in this Java: the lab needs a JDK"))
                    .run(to, to, "--release", "17", "-d", classes.toString(), source.toString());
            if (code != 0) throw new IllegalStateException("javac: " + errors.toString().strip().lines().findFirst().orElse("failed"));
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code steps} in a fresh Linux sandbox made from {@code spec}, then
     * stops the servers they started there and the sandbox. Where no sandbox
     * can be made it says why in one ≠ line and skips the steps.
     */
    public static void inSandbox(Sandbox.Spec spec, Consumer<Sandbox> steps) {
        if (Sandbox.unavailable().isPresent()) {
            System.out.println("≠ skipped: no sandbox on this machine" + (saidWhyNoSandbox ? "" : " (" + Sandbox.unavailable().get() + ")"));
            saidWhyNoSandbox = true;
            return;
        }
        Set<Process> before = Servers.running();
        try (Sandbox box = Sandbox.start(spec)) {
            steps.accept(box);
        } catch (Failure e) {
            System.out.println("≠ skipped: " + e.getMessage());
        } finally {
            Servers.running().stream().filter(p -> !before.contains(p)).forEach(Servers::stop);
        }
    }

    /**
     * What glibc's getaddrinfo returns for {@code host} in a fresh sandbox made
     * from {@code spec}: the order nc, Python and C programs see there (the kit's
     * resolve in the OS order, which is getaddrinfo's). Prints it in one line.
     */
    public static List<String> libcOrder(Sandbox.Spec spec, String host) {
        List<String> order = new ArrayList<>();
        inSandbox(spec, box -> {
            output(box, commandForSandbox("resolve", "--list", "--host", host)).lines().forEach(order::add);
            System.out.println("getaddrinfo(\"" + host + "\") in the sandbox: " + String.join(", ", order));
        });
        return order;
    }

    /**
     * The kit's root: LAB_HOME (the kernel's spec sets it, since Jupyter starts a
     * kernel in the notebook's folder), else the nearest folder up from here with
     * jbang-catalog.json, else here.
     */
    public static Path home() {
        String home = System.getenv("LAB_HOME");
        if (home != null && !home.isBlank()) return Path.of(home);
        Path here = Path.of("").toAbsolutePath();
        return Tools.kitAt(here).orElse(here);
    }

    /** The distinct addresses of {@code host} in this JVM's order (the servers get the same). */
    public static List<InetAddress> addresses(String host) {
        return Resolving.distinct(Resolving.resolve(host));
    }

    /**
     * Checks a claim against this machine and prints one line: ✓ and the claim
     * when it holds, or ≠ and why this machine differs from the article.
     * A difference is a lesson, not an error; a broken claim about the kit itself
     * should use {@link #require}.
     */
    public static void check(boolean holds, String claim, String otherwise) {
        System.out.println(holds ? "✓ " + claim : "≠ " + otherwise);
    }

    /** Like check, but a false claim is a bug in the kit: it throws. */
    public static void require(boolean holds, String claim) {
        if (!holds) throw new IllegalStateException("expected: " + claim);
        System.out.println("✓ " + claim);
    }

    /**
     * Prints the code of one of the kit's files from the line that contains
     * {@code marker} to the end of the block that starts there, with its line
     * numbers: so a notebook shows the code its servers really run, not a copy.
     */
    public static void show(String file, String marker) {
        List<String> lines;
        try {
            lines = Files.readAllLines(home().resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int start = 0;
        while (start < lines.size() && !lines.get(start).contains(marker)) start++;
        if (start == lines.size()) throw new IllegalStateException(file + " has no line with " + marker);
        int end = start;
        for (int depth = 0, opened = 0; end < lines.size(); end++) {
            for (char c : lines.get(end).toCharArray()) {
                if (c == '{') { depth++; opened++; } else if (c == '}') depth--;
            }
            if (opened > 0 && depth <= 0) break;
        }
        int indent = lines.get(start).length() - lines.get(start).stripLeading().length();
        System.out.println(file + ", lines " + (start + 1) + "-" + (end + 1) + ":");
        for (int i = start; i <= end && i < lines.size(); i++) {
            String line = lines.get(i);
            System.out.printf("%4d  %s%n", i + 1, line.length() >= indent ? line.substring(Math.min(indent, line.length() - line.stripLeading().length())) : line);
        }
    }

    /** Stops every server this kernel or player started; prints how many. */
    public static void stopAll() {
        Servers.stopAll();
        System.out.println("All servers of this session stopped; port " + port() + " has "
                + Listeners.onPort(port()).size() + " listener(s) left.");
    }
}
