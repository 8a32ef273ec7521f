package tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import lab.SharedSandbox;
import lab.Servers;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kit's tools as the tests start them: scripts/NAME.java built by the real JBang, run as `java -cp`. */
public final class Scripts {
    private Scripts() {}

    /** Shared sandboxes' state of this test JVM (a run has one or two): the tests that run tools as "nobody" (no rights) keep theirs here too. */
    public static final Path STATE = TempFiles.sharedFolder("lab-state");

    private static final Map<String, String> CLASSPATHS = new ConcurrentHashMap<>();

    /** The classpath JBang built for scripts/NAME.java (JBang runs once or twice per script and test JVM). */
    public static String classpath(String tool) {
        return CLASSPATHS.computeIfAbsent(tool, t -> {
            String jbang = Kit.ROOT.resolve("jbang").toString(), script = "scripts/" + t + ".java";
            Run.Result r = Run.exec(List.of(jbang, "info", "classpath", script));
            assertEquals(0, r.exit(), "jbang info classpath " + t + ": " + r.err());
            List<String> lines = r.lines();
            String classpath = lines.get(lines.size() - 1).trim();
            // `info classpath` names the jar but does not build it; `build` does. JBang names a jar by its
            // sources, so one that is there is this script's, but it writes it in place, holding ./jbang's
            // lock: flock waits for a build begun since (a `make lab` beside us), and then the jar is whole.
            // A jar a newer JDK compiled is JBang's to build again for this one.
            Path jar = Path.of(classpath.split(java.io.File.pathSeparator)[0]), lock = Kit.ROOT.resolve(".lab/jbang-build.lock");
            boolean whole = Files.exists(jar) && Files.exists(lock) && lab.Tools.find("flock").isPresent()
                    && Run.exec(List.of("flock", lock.toString(), "true")).exit() == 0 && runsOnThisJava(jar);
            if (!whole) {
                Run.Result built = Run.exec(List.of(jbang, "build", script));
                assertEquals(0, built.exit(), "jbang build " + t + ": " + built.err());
            }
            return classpath;
        });
    }

    /** Whether this JVM can load {@code jar}'s main class: its class file version is not newer than ours. */
    private static boolean runsOnThisJava(Path jar) {
        try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
            String main = file.getManifest().getMainAttributes().getValue("Main-Class");
            var entry = file.getJarEntry(main.replace('.', '/') + ".class");
            try (var in = new java.io.DataInputStream(file.getInputStream(entry))) {
                in.skipNBytes(6); // magic, minor version
                return in.readUnsignedShort() <= 44 + Runtime.version().feature();
            }
        } catch (IOException | RuntimeException unreadable) {
            return false; // no Main-Class, say: JBang builds again, a slower start, never a wrong one
        }
    }

    /**
     * `java [the script's //RUNTIME_OPTIONS] [jvmOptions] -cp <tool's classpath> tool args`, as JBang
     * starts it (scripts/reorder-hosts.java holds class reorder_hosts). Shared sandboxes keep their
     * state in this run's own folder, so a learner's live article sandbox is never joined.
     */
    public static List<String> tool(String tool, List<String> jvmOptions, String... args) {
        return toolOn(classpath(tool), tool, jvmOptions, args);
    }

    /** The same on {@code classpath}: the tool's own, or one with a copy of its jar. */
    public static List<String> toolOn(String classpath, String tool, List<String> jvmOptions, String... args) {
        List<String> options = new ArrayList<>(RUNTIME_OPTIONS.computeIfAbsent(tool, Scripts::runtimeOptions));
        options.addAll(jvmOptions);
        options.add(stateOption(STATE));
        return Servers.javaCommand(classpath, options, tool.replace('-', '_'), Arrays.asList(args));
    }

    public static List<String> tool(String tool, String... args) {
        return tool(tool, List.of(), args);
    }

    private static final Map<String, List<String>> RUNTIME_OPTIONS = new ConcurrentHashMap<>();

    /** The JVM options scripts/NAME.java asks JBang for (play's C1 and serial GC among them). */
    private static List<String> runtimeOptions(String tool) {
        try {
            return Files.readAllLines(Kit.ROOT.resolve("scripts/" + tool + ".java")).stream()
                    .filter(l -> l.startsWith("//RUNTIME_OPTIONS "))
                    .flatMap(l -> Arrays.stream(l.substring("//RUNTIME_OPTIONS ".length()).trim().split("\\s+")))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JVM option that keeps a tool's shared sandboxes in {@code state}. */
    static String stateOption(Path state) {
        return "-D" + SharedSandbox.STATE + "=" + state;
    }
}
