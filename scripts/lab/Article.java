package lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Article mode: the article's Mac, where localhost is three loopback addresses
 * ([::1], [fe80::1], 127.0.0.1, in that order), on Linux and Windows, and on a Mac that has its line.
 *
 * - Linux with namespace rights (root, or a user namespace of the user's own): a shared sandbox (its own lo with fe80::1, and a
 *   private /etc/hosts listing the Mac's three lines). Tools re-run themselves
 *   inside it, so servers started in different terminals meet there.
 * - Linux or Windows without them: Java programs read a private hosts file, with
 *   127.0.0.2 standing in for fe80::1 (all of 127/8 is loopback there).
 * - macOS: the machine is the article when its /etc/hosts still names localhost on fe80::1%lo0,
 *   as the author's did; nothing changes then. Without that line (macOS's default since OS X
 *   10.10) article mode says so and does not start: it never writes /etc/hosts. A private hosts
 *   file is no way round: Java drops its %lo0, and fe80::1 needs an interface to mean one.
 *
 * This file decides the mode and enters it; {@link ArticleHosts} writes the hosts files, and
 * {@link ArticleStory} says which of the article's outputs each mode reproduces and which it stands in for.
 */
public final class Article {
    public static final String NAME = "article";
    /** Set on a tool re-run inside the sandbox (and on the kernel in article mode): it is already where it should be. */
    static final String INSIDE = "lab.article";
    /** Set on the plain kernel that ran instead of article mode's (a Mac without the article's line): what it needs, in words. */
    static final String REFUSED = "lab.article.refused";
    /** The launcher's pid, given to the re-run tool: it exits when the launcher is gone. */
    static final String PARENT = "lab.article.parent";
    /** The line of the article's Mac that makes it the article's, as a learner would add it to /etc/hosts. */
    static final String MAC_HOSTS_LINE = "fe80::1%lo0 localhost";
    private static Mode current;

    private Article() {}

    public enum Mode { NAMESPACE, FALLBACK, MACOS }

    /** The mode this machine allows. */
    public static Mode possible() {
        if (OperatingSystem.here() == OperatingSystem.MACOS) return Mode.MACOS;
        return Sandbox.unavailable().isEmpty() ? Mode.NAMESPACE : Mode.FALLBACK;
    }

    /**
     * What keeps a Mac whose /etc/hosts is {@code hostsText} from being the article's: empty when it
     * names localhost on the author's fe80::1%lo0, else why not, in words. Read as text, not looked up:
     * a tool asks for the OS order after this runs, and Java reads that setting at its first lookup.
     */
    public static Optional<String> unlikeTheArticlesMac(String hostsText) {
        List<String> named = HostsFile.localhostAddresses(hostsText).stream().distinct().toList();
        if (named.stream().anyMatch(a -> a.equalsIgnoreCase("fe80::1%lo0"))) return Optional.empty(); // lo0's: fe80::1 alone names no device
        return Optional.of("this Mac's /etc/hosts names localhost on " + (named.isEmpty() ? "no address" : String.join(" and ", named))
                + ", not on the article's fe80::1%lo0 (macOS's default has had no such line since OS X 10.10)");
    }

    /** Why article mode cannot run on this machine: only on a Mac without the article's line ({@link #unlikeTheArticlesMac}). */
    static Optional<String> refusedHere() {
        if (OperatingSystem.here() != OperatingSystem.MACOS) return Optional.empty();
        return unlikeTheArticlesMac(HostsFile.textOrNothing(HostsFile.ETC_HOSTS));
    }

    /** The article mode this program runs in, if any. */
    public static Optional<Mode> current() {
        if (current == null && System.getProperty(INSIDE) != null) current = Mode.valueOf(System.getProperty(INSIDE));
        return Optional.ofNullable(current);
    }

    /** The sandbox of the namespace mode: fe80::1 on lo, as on the Mac's lo0, and the Mac's hosts lines. */
    public static Sandbox.Spec sandboxSpec() {
        return Sandbox.Spec.hosts(ArticleHosts.writeNamespaceFile()).withAddress("fe80::1/64");
    }

    /**
     * What --sandbox SANDBOX (given) does, before the tool's story (the CLI layer calls it). Returns the tool's exit code
     * when it ran inside the article's sandbox (return it too), or empty when the
     * tool should go on in this process.
     */
    public static OptionalInt enter(String sandbox, Path hostsFile, String tool, List<String> args) {
        if (!sandbox.equals(NAME)) throw Failure.usage("unknown sandbox '" + sandbox + "': the only one is '" + NAME + "'");
        if (hostsFile != null) throw Failure.usage("--sandbox " + NAME + " brings its own hosts file; drop --hosts-file");
        if (current().isPresent()) {
            // We share the terminal, so stdin cannot be the lifeline: watch the launcher's pid.
            Lifelines.exitWhenParentDies(Long.getLong(PARENT, 0));
            return OptionalInt.empty();
        }
        refusedHere().ifPresent(why -> {
            throw Failure.failed("article mode needs the article's Mac, and " + why + ": drop --sandbox article"
                    + " (SANDBOX=article), or add the line '" + MAC_HOSTS_LINE + "' to /etc/hosts with sudo, and remove it after the lab");
        });
        current = possible();
        System.err.println(tool + ": " + ArticleStory.summary(current));
        switch (current) {
            case MACOS:
                return OptionalInt.empty();
            case FALLBACK:
                Resolving.useHostsFile(ArticleHosts.fallbackFile());
                return OptionalInt.empty();
            default:
                return OptionalInt.of(runInside(tool, args));
        }
    }

    /** Runs {@code tool args} again, as a `java -cp` child inside the shared sandbox, and waits for it. */
    private static int runInside(String tool, List<String> args) {
        Lifelines.exitWithParent(null); // and the run inside follows us (it watches PARENT)
        List<String> options = new ArrayList<>(ourTuning());
        options.addAll(jvmOptions(Mode.NAMESPACE));
        options.add("-D" + PARENT + "=" + ProcessHandle.current().pid());
        return SharedSandbox.runShared(NAME, Article::sandboxSpec, Servers.javaCommand(System.getProperty("java.class.path"), options, tool, args));
    }

    /**
     * Our own -XX: options (C1 only for every tool, and play's serial GC): without them the run inside
     * compiles with C2 on every CPU, and the article-mode lab takes twice the CPU.
     */
    private static List<String> ourTuning() {
        // The JVM's own list: ProcessHandle's arguments are empty past 4,096 bytes of command line on Linux.
        List<String> tuning = new ArrayList<>();
        for (String option : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("-XX:")) tuning.add(option);
        }
        return tuning;
    }

    /**
     * The JVM options that put a Java program in article mode {@code mode}: the mode, the
     * OS order, and the hosts file it resolves from. For NAMESPACE the program must run
     * inside the shared sandbox; FALLBACK's file is this program's own and goes with it.
     */
    public static List<String> jvmOptions(Mode mode) {
        List<String> options = new ArrayList<>(List.of("-D" + INSIDE + "=" + mode,
                "-D" + Resolving.PREFER_IPV6 + "=" + System.getProperty(Resolving.PREFER_IPV6, "system")));
        if (mode == Mode.NAMESPACE) options.add("-D" + Resolving.HOSTS_FILE + "=" + ArticleHosts.namespaceFile());
        if (mode == Mode.FALLBACK) options.add("-D" + Resolving.HOSTS_FILE + "=" + ArticleHosts.fallbackFile());
        if (System.getProperty(SharedSandbox.STATE) != null) options.add("-D" + SharedSandbox.STATE + "=" + System.getProperty(SharedSandbox.STATE));
        return options;
    }
}
