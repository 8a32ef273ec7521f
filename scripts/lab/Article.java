package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Article mode: the article's Mac, where localhost is three loopback addresses
 * ([::1], [fe80::1], 127.0.0.1, in that order), on whatever machine the lab runs.
 *
 * - Linux with namespace rights (root, or a user namespace of the user's own): a shared sandbox (its own lo with fe80::1, and a
 *   private /etc/hosts listing the Mac's three lines). Tools re-run themselves
 *   inside it, so servers started in different terminals meet there.
 * - Linux or Windows without them: Java programs read a private hosts file, with
 *   127.0.0.2 standing in for fe80::1 (all of 127/8 is loopback there).
 * - macOS: the machine is the article; nothing changes.
 *
 * Each mode says which of the article's outputs it reproduces and which it stands in for.
 */
public final class Article {
    public static final String NAME = "article";
    /** Set on a tool re-run inside the sandbox (and on the kernel in article mode): it is already where it should be. */
    static final String INSIDE = "lab.article";
    /** The launcher's pid, given to the re-run tool: it exits when the launcher is gone. */
    static final String PARENT = "lab.article.parent";
    private static Mode current;

    private Article() {}

    public enum Mode { NAMESPACE, FALLBACK, MACOS }

    /** The mode this machine allows. */
    public static Mode possible() {
        if (System.getProperty("os.name").toLowerCase().contains("mac")) return Mode.MACOS;
        return Sandbox.unavailable().isEmpty() ? Mode.NAMESPACE : Mode.FALLBACK;
    }

    /** The article mode this program runs in, if any. */
    public static Optional<Mode> current() {
        if (current == null && System.getProperty(INSIDE) != null) current = Mode.valueOf(System.getProperty(INSIDE));
        return Optional.ofNullable(current);
    }

    /** The Mac's /etc/hosts lines for localhost, or their stand-ins. */
    public static List<String> hostsLines(Mode mode) {
        return mode == Mode.FALLBACK
                ? List.of("::1 localhost", "127.0.0.2 localhost", "127.0.0.1 localhost")
                : List.of("::1 localhost", "fe80::1%lo localhost", "127.0.0.1 localhost");
    }

    /** The sandbox of the namespace mode: fe80::1 on lo, as on the Mac's lo0, and the Mac's hosts lines. */
    public static Sandbox.Spec sandboxSpec() {
        return Sandbox.Spec.hosts(writeHostsFile()).withAddress("fe80::1/64");
    }

    /** Where the namespace mode's hosts file lives: in the shared sandbox's private folder. */
    public static Path hostsFile() {
        return Sandbox.stateDirectory(NAME).resolve("hosts-" + Mode.NAMESPACE.name().toLowerCase());
    }

    /**
     * The namespace mode's hosts file, written when a new sandbox starts (no one uses
     * the old file then), so a learner's edit of a file in use is never undone.
     */
    private static Path writeHostsFile() {
        return write(hostsFile(), Mode.NAMESPACE);
    }

    /** The fallback's hosts file: this program's own, gone when it ends, so nothing stays in the temp folder. */
    private static Path fallbackHostsFile() {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        String prefix = "localhost-lab-article-";
        // A program that was SIGKILLed could not delete its file: the next one of the same user does.
        try (var files = Files.newDirectoryStream(temp, prefix + "*-*.hosts")) {
            for (Path old : files) {
                String pid = old.getFileName().toString().substring(prefix.length()).split("-")[0];
                boolean gone = pid.matches("\\d{1,18}") && ProcessHandle.of(Long.parseLong(pid)).isEmpty();
                boolean ours = Files.getOwner(old).getName().equals(System.getProperty("user.name"));
                if (gone && ours) Files.deleteIfExists(old);
            }
        } catch (IOException | RuntimeException e) {
            // a race with another cleaner: what is left, the next run sees
        }
        try {
            // A new file of ours alone (random name, 0600), never one someone else put there.
            Path file = Files.createTempFile(prefix + ProcessHandle.current().pid() + "-", ".hosts");
            file.toFile().deleteOnExit();
            return write(file, Mode.FALLBACK);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path file, Mode mode) {
        try {
            Files.writeString(file, "# localhost-lab article mode: the article's Mac, whose localhost is three loopback addresses\n"
                    + String.join("\n", hostsLines(mode)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * What --sandbox SANDBOX (given) does, first thing in a tool. Returns the tool's exit code
     * when it ran inside the article's sandbox (return it too), or empty when the
     * tool should go on in this process.
     */
    public static OptionalInt enter(String sandbox, Path hostsFile, String tool, List<String> args) {
        if (!sandbox.equals(NAME)) throw Failure.usage("unknown sandbox '" + sandbox + "': the only one is '" + NAME + "'");
        if (hostsFile != null) throw Failure.usage("--sandbox " + NAME + " brings its own hosts file; drop --hosts-file");
        if (current().isPresent()) {
            // We share the terminal, so stdin cannot be the lifeline: watch the launcher's pid.
            Servers.exitWhenParentDies(Long.getLong(PARENT, 0));
            return OptionalInt.empty();
        }
        current = possible();
        System.err.println(tool + ": " + summary(current));
        switch (current) {
            case MACOS:
                return OptionalInt.empty();
            case FALLBACK:
                Resolving.useHostsFile(fallbackHostsFile());
                return OptionalInt.empty();
            default:
                return OptionalInt.of(runInside(tool, args));
        }
    }

    /** Runs {@code tool args} again, as a `java -cp` child inside the shared sandbox, and waits for it. */
    private static int runInside(String tool, List<String> args) {
        List<String> options = new ArrayList<>(jvmOptions(Mode.NAMESPACE));
        options.add("-D" + PARENT + "=" + ProcessHandle.current().pid());
        return Sandbox.runShared(NAME, Article::sandboxSpec, Servers.javaCommand(System.getProperty("java.class.path"), options, tool, args));
    }

    /**
     * The JVM options that put a Java program in article mode {@code mode}: the mode, the
     * OS order, and the hosts file it resolves from. For NAMESPACE the program must run
     * inside the shared sandbox; FALLBACK's file is this program's own and goes with it.
     */
    public static List<String> jvmOptions(Mode mode) {
        List<String> options = new ArrayList<>(List.of("-D" + INSIDE + "=" + mode,
                "-D" + Resolving.PREFER_IPV6 + "=" + System.getProperty(Resolving.PREFER_IPV6, "system")));
        if (mode == Mode.NAMESPACE) options.add("-D" + Resolving.HOSTS_FILE + "=" + hostsFile());
        if (mode == Mode.FALLBACK) options.add("-D" + Resolving.HOSTS_FILE + "=" + fallbackHostsFile());
        if (System.getProperty(Sandbox.STATE) != null) options.add("-D" + Sandbox.STATE + "=" + System.getProperty(Sandbox.STATE));
        return options;
    }

    /** One line: the mode, and where to read what it reproduces. */
    public static String summary(Mode mode) {
        return switch (mode) {
            case NAMESPACE -> "article mode: in a private Linux sandbox whose localhost is the article's [::1], [fe80::1], 127.0.0.1 (`" + Tools.jbang() + " resolve@catalog --sandbox article` says what is exact)";
            case FALLBACK -> "article mode, fallback: no namespaces here (" + Sandbox.unavailable().orElse("") + "), so Java reads a private hosts file with 127.0.0.2 standing in for fe80::1";
            case MACOS -> "article mode on macOS: this Mac is the article's machine, so nothing is sandboxed or stood in for";
        };
    }

    private static boolean explained;

    /** After a blank line, prints {@link #explain} for the mode this program runs in, if any, once per program. */
    public static synchronized void explainIfActive(int port) {
        if (explained) return;
        current().ifPresent(mode -> {
            explained = true;
            System.out.println();
            explain(mode, port).forEach(System.out::println);
        });
    }

    /** Which of the article's outputs this mode reproduces exactly on {@code port}, which it stands in for, and why. */
    public static List<String> explain(Mode mode, int port) {
        List<String> lines = new ArrayList<>();
        lines.add("What article mode reproduces " + (mode == Mode.FALLBACK ? "(fallback, without namespaces)" : mode == Mode.MACOS ? "(on macOS)" : "(Linux sandbox, " + Sandbox.rights() + ")") + ":");
        switch (mode) {
            case NAMESPACE -> {
                exact(lines, "three servers on [::1]:" + port + ", [fe80::1]:" + port + " and 127.0.0.1:" + port + ", in that order");
                exact(lines, "the fourth server's 'Address already in use'");
                exact(lines, "`nc localhost " + port + "` reaching [::1]:" + port + " (nc itself, inside the sandbox, and ping)");
                standsIn(lines, "lo0 with fe80::1", "lo with fe80::1 added, in a network namespace of the lab's own");
                standsIn(lines, "/etc/hosts", "a private copy mounted over it in a mount namespace; the real file is never written");
                standsIn(lines, "the Mac's resolver", "Java reads that copy itself (jdk.net.hosts.file), in file order: "
                        + "glibc drops the fe80::1%lo line and sorts the rest, so a libc server here would get [::1] and 127.0.0.1 only");
                standsIn(lines, "Crystal's TCPServer, lsof", "pong (the same bind loop in Java), listeners (reads /proc)");
            }
            case FALLBACK -> {
                exact(lines, "three servers, then 'Address already in use' for the fourth");
                exact(lines, "a localhost client (ping) reaching [::1]:" + port);
                standsIn(lines, "[fe80::1]:" + port, "127.0.0.2:" + port + ": putting fe80::1 on lo needs namespace rights; all of 127/8 is loopback here");
                standsIn(lines, "/etc/hosts", "a private file that only Java programs read (jdk.net.hosts.file); "
                        + "nc and curl still read the real /etc/hosts, which is never written");
            }
            case MACOS -> {
                exact(lines, "everything, as long as /etc/hosts has the stock lines ::1, fe80::1%lo0 and 127.0.0.1 localhost");
                standsIn(lines, "Crystal's TCPServer", "pong, the same bind loop in Java");
            }
        }
        return lines;
    }

    private static void exact(List<String> lines, String what) {
        lines.add("  exact      " + what);
    }

    private static void standsIn(List<String> lines, String article, String lab) {
        lines.add("  stands in  " + article + " -> " + lab);
    }
}
