package tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tests.Run.exec;
import static tests.TempFiles.temporaryFolder;

/**
 * ./jbang's launch cache (.lab/launch/) and JBang's class-data archive, on copies of the kit.
 * A replay is told from a JBang run by hiding JBang's own jar: only a replay still runs.
 */
class LaunchCacheTest extends Kit {
    private static Path kit;

    @BeforeAll
    static void copyTheKit() {
        kit = copyOfTheKit("lab-launch");
    }

    @Test
    void aResolvedScriptRunsWithoutJBangWithAnyArguments() {
        run(kit, Map.of(), "pong@catalog", "--help");  // the first run builds, and says so
        Result viaJBang = run(kit, Map.of("LAB_LAUNCH_CACHE", "off"), "pong@catalog", "--help");
        assertEquals(0, viaJBang.exit(), viaJBang.err());
        assertTrue(viaJBang.out().contains("Usage: pong"), viaJBang.out());
        assertEquals(viaJBang, run(kit, Map.of(), "pong@catalog", "--help"), "a recording run answers as JBang does");
        String[] odd = {"pong@catalog", "--port", "it's $HOME \"x\" `id` *"};
        Result oddViaJBang = run(kit, Map.of("LAB_LAUNCH_CACHE", "off"), odd);
        assertEquals(2, oddViaJBang.exit(), oddViaJBang.err());
        Path subfolder = kit.resolve("scripts/lab"); // a subfolder, as my-notebooks/ is, where a terminal in Jupyter starts
        assertEquals(viaJBang, runIn(subfolder, kit, Map.of(), "pong@catalog", "--help"), "from a subfolder, recording");

        withoutJBang(kit, () -> {
            assertEquals(viaJBang, run(kit, Map.of(), "pong@catalog", "--help"), "the replay answers as JBang did");
            assertEquals(oddViaJBang, run(kit, Map.of(), odd), "other arguments reach the script unchanged");
            assertEquals(viaJBang, runIn(subfolder, kit, Map.of(), "pong@catalog", "--help"), "replayed from a subfolder too");
            // Not cached: JBang's own commands and options, and a cache that is turned off.
            assertNotEquals(0, run(kit, Map.of(), "--quiet", "pong@catalog", "--help").exit());
            assertNotEquals(0, run(kit, Map.of("LAB_LAUNCH_CACHE", "off"), "pong@catalog", "--help").exit());
        });
    }

    @Test
    void aChangedScriptCatalogOrEnvironmentGoesBackToJBang() throws IOException {
        Path hello = kit.resolve("scripts/Hello.java");
        writeHello(hello, "v1");
        assertEquals("v1 a b|c\n", run(kit, Map.of(), "scripts/Hello.java", "a b", "c").out());
        withoutJBang(kit, () -> assertEquals("v1 x\n", run(kit, Map.of(), "scripts/Hello.java", "x").out()));

        writeHello(hello, "v2");
        withoutJBang(kit, () -> assertNotEquals(0, run(kit, Map.of(), "scripts/Hello.java", "x").exit(), "an edited script is not replayed"));
        assertEquals("v2 x\n", run(kit, Map.of(), "scripts/Hello.java", "x").out());
        withoutJBang(kit, () -> assertEquals("v2 y\n", run(kit, Map.of(), "scripts/Hello.java", "y").out()));

        assertEquals(0, run(kit, Map.of(), "pong@catalog", "--version").exit());
        // Sources count by content, not time or size: an unpacked zip or `cp -p` gives a changed file an old time.
        for (Path source : List.of(kit.resolve("jbang-catalog.json"), kit.resolve("scripts/lab/Cli.java"))) {
            String text = Files.readString(source);
            FileTime time = Files.getLastModifiedTime(source);
            Files.writeString(source, sameLength(text));
            Files.setLastModifiedTime(source, time);
            withoutJBang(kit, () -> assertNotEquals(0, run(kit, Map.of(), "pong@catalog", "--version").exit(), source + " changed"));
            Files.writeString(source, text);
            touch(source);
            withoutJBang(kit, () -> assertEquals(0, run(kit, Map.of(), "pong@catalog", "--version").exit(), source + ": only its time changed"));
        }
        // And through a link: the catalog's content is its target's.
        Path catalog = kit.resolve("jbang-catalog.json"), target = kit.resolveSibling("catalog-target.json");
        Files.move(catalog, target);
        Files.createSymbolicLink(catalog, target);
        assertEquals(0, run(kit, Map.of(), "pong@catalog", "--version").exit());
        String text = Files.readString(target);
        Files.writeString(target, sameLength(text));
        withoutJBang(kit, () -> assertNotEquals(0, run(kit, Map.of(), "pong@catalog", "--version").exit(), "a linked catalog changed"));
        Files.delete(catalog);
        Files.writeString(catalog, text);
        withoutJBang(kit, () -> {
            assertEquals(0, run(kit, Map.of(), "pong@catalog", "--version").exit());
            assertNotEquals(0, run(kit, Map.of("JBANG_DEFAULT_JAVA_VERSION", "17"), "pong@catalog", "--version").exit(),
                    "a JBANG_ variable is part of the key");
        });

        // A jar of the recorded class path is gone (JBang's cache cleared): JBang builds it again.
        deleteTree(kit.resolve(".lab/jbang-home/cache"));
        withoutJBang(kit, () -> assertNotEquals(0, run(kit, Map.of(), "scripts/Hello.java", "x").exit()));
        assertEquals("v2 x\n", run(kit, Map.of(), "scripts/Hello.java", "x").out());
    }

    @Test
    void aCorruptedEntryOrArchiveIsIgnoredAndMadeAgain() throws IOException {
        Path hello = kit.resolve("scripts/Hello.java");
        if (!Files.exists(hello)) writeHello(hello, "v2");
        run(kit, Map.of(), "scripts/Hello.java", "z");
        Result first = run(kit, Map.of(), "scripts/Hello.java", "z");
        Result version = run(kit, Map.of(), "--version");
        assertEquals(0, version.exit(), version.err());

        List<Path> entries = list(kit.resolve(".lab/launch"));
        assertFalse(entries.isEmpty(), "a run records an entry");
        for (Path entry : entries) Files.write(entry, garbage(Files.size(entry)));
        withoutJBang(kit, () -> assertNotEquals(0, run(kit, Map.of(), "scripts/Hello.java", "z").exit(), "a garbled entry is not replayed"));
        assertEquals(first, run(kit, Map.of(), "scripts/Hello.java", "z"));
        for (Path entry : list(kit.resolve(".lab/launch"))) Files.write(entry, Arrays.copyOf(Files.readAllBytes(entry), 40));
        assertEquals(first, run(kit, Map.of(), "scripts/Hello.java", "z"), "a truncated entry is ignored");
        withoutJBang(kit, () -> assertEquals(first, run(kit, Map.of(), "scripts/Hello.java", "z"), "and recorded again"));

        // A changed archive can crash the JVM that maps it (a truncated one does, on JDK 17).
        Map<String, String> viaJBang = Map.of("LAB_LAUNCH_CACHE", "off");
        assertEquals(first, run(kit, viaJBang, "scripts/Hello.java", "z"));
        for (boolean truncate : List.of(true, false)) {
            String how = truncate ? "truncated" : "garbled";
            corruptArchives(truncate);
            assertEquals(version, run(kit, Map.of(), "--version"), "the same answer, and no warning, with a " + how + " archive");
            assertRealArchives(kit, how);  // removed: `--version` does not make one
            assertEquals(first, run(kit, viaJBang, "scripts/Hello.java", "z"));
            corruptArchives(truncate);
            assertEquals(first, run(kit, viaJBang, "scripts/Hello.java", "z"), "a script through JBang with a " + how + " archive");
            assertFalse(archives(kit).isEmpty(), "that run makes the archive again");
            assertRealArchives(kit, how);
        }
    }

    private static void corruptArchives(boolean truncate) throws IOException {
        List<Path> archives = archives(kit);
        assertFalse(archives.isEmpty(), "JBang's JVM has a class-data archive: " + list(jbangHome(kit).resolve("cds")) + " " + list(jbangHome(kit)));
        for (Path archive : archives) {
            byte[] bytes = Files.readAllBytes(archive);
            archive.toFile().setWritable(true);
            Files.write(archive, truncate ? Arrays.copyOf(bytes, bytes.length / 3) : garbage(bytes.length));
        }
    }

    /** An archive's header holds NUL bytes; the garbage written here holds none, and a truncated one is shorter. */
    private static void assertRealArchives(Path kit, String how) throws IOException {
        for (Path archive : archives(kit)) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(archive), 64);
            assertTrue(new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf(0) >= 0, how + " archive left: " + archive);
            assertEquals(Files.size(archive) + "", Files.readString(archive.resolveSibling(archive.getFileName() + ".stamp")).strip(),
                    how + " archive left: " + archive);
        }
    }

    @Test
    void aMovedKitDoesNotReplayItsOldFolderAndNeedsNoLang() throws IOException {
        Path folder = copyOfTheKit("lab-launch-moved");
        writeHello(folder.resolve("scripts/Hello.java"), "moved");
        Map<String, String> noLang = Map.of("ENV_I", "yes");  // run() turns this into env -i PATH=/usr/bin:/bin
        run(folder, noLang, "scripts/Hello.java", "x");
        Result before = run(folder, noLang, "scripts/Hello.java", "x");
        assertEquals(new Result(0, "moved x\n", ""), before);
        withoutJBang(folder, () -> assertEquals(before, run(folder, noLang, "scripts/Hello.java", "x"), "replayed with no LANG"));

        Path moved = Files.move(folder, folder.resolveSibling(folder.getFileName() + "-moved"));
        withoutJBang(moved, () -> assertNotEquals(0, run(moved, noLang, "scripts/Hello.java", "x").exit(), "the old folder's entry is not used"));
        Result after = run(moved, noLang, "scripts/Hello.java", "x");
        assertEquals(List.of(0, "moved x\n"), List.of(after.exit(), after.out()), after.err());
        withoutJBang(moved, () -> assertEquals(before, run(moved, noLang, "scripts/Hello.java", "x")));
        for (Path archive : archives(moved)) assertTrue(Files.exists(archive.resolveSibling(archive.getFileName() + ".stamp")));
        assertEquals(1, archives(moved).size(), "only the new folder's archive is kept: " + archives(moved));
    }

    /**
     * A stock Mac has bash 3.2, BSD find (no -printf) and no md5sum: there every ./jbang went through JBang's JVM.
     * Here: no md5sum or sha*sum, and a find that refuses what POSIX does not define. (Bash 3.2 was checked by hand.)
     */
    @Test
    void withOnlyTheToolsAMacHasTheCacheAndTheArchiveStillWork() throws IOException {
        Path folder = copyOfTheKit("lab-launch-mac");
        writeHello(folder.resolve("scripts/Hello.java"), "mac");
        Path bin = TempFiles.pathWithout("md5sum", "sha1sum", "sha256sum", "sha512sum", "b2sum", "find");
        Path find = Stream.of(System.getenv("PATH").split(":")).map(d -> Path.of(d, "find")).filter(Files::isExecutable).findFirst().orElseThrow();
        TempFiles.standIn(bin, "find", String.join("\n",
                "for a in \"$@\"; do",
                "  case \"$a\" in",
                "    -H|-L|-name|-path|-prune|-type|-newer|-print|-exec|-o|-a|-size|-perm|-user|-group|-mtime|-xdev|-depth) ;;",
                "    -*) echo \"find: $a: not in POSIX\" >&2; exit 1 ;;",
                "  esac",
                "done",
                "exec " + find + " \"$@\""));
        Map<String, String> mac = Map.of("PATH", bin.toString());
        Result built = run(folder, mac, "scripts/Hello.java", "x");
        assertFalse(built.err().contains("POSIX"), built.err());
        Result first = run(folder, mac, "scripts/Hello.java", "x");
        assertEquals(new Result(0, "mac x\n", ""), first);
        assertEquals(1, archives(folder).size(), "JBang's JVM has its archive");
        withoutJBang(folder, () -> assertEquals(first, run(folder, mac, "scripts/Hello.java", "x"), "replayed"));
        writeHello(folder.resolve("scripts/Hello.java"), "mac2");
        withoutJBang(folder, () -> assertNotEquals(0, run(folder, mac, "scripts/Hello.java", "x").exit(), "an edited script is not replayed"));
        assertEquals("mac2 x\n", run(folder, mac, "scripts/Hello.java", "x").out());
        assertRealArchives(folder, "Mac");
    }

    // --- helpers ---

    /** The launcher, the catalog, the scripts and JBang's jars, in a new folder: its own JBang home and launch cache. */
    private static Path copyOfTheKit(String prefix) {
        try {
            Path copy = temporaryFolder(prefix).resolve("kit");
            Files.createDirectories(copy);
            Files.copy(ROOT.resolve("jbang"), copy.resolve("jbang"), StandardCopyOption.COPY_ATTRIBUTES);
            Files.copy(ROOT.resolve("jbang-catalog.json"), copy.resolve("jbang-catalog.json"));
            copyTree(ROOT.resolve("scripts"), copy.resolve("scripts"));
            Path jbang = jbangHome(ROOT);
            Path to = copy.resolve(".lab").resolve(jbang.getFileName());
            copyTree(jbang.resolve("lib"), to.resolve("lib"));
            Files.copy(jbang.resolve("lib.classpath"), to.resolve("lib.classpath"));
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path jbangHome(Path kit) {
        return list(kit.resolve(".lab")).stream().filter(p -> p.getFileName().toString().startsWith("jbang-cli-")).findFirst().orElseThrow();
    }

    private static List<Path> archives(Path kit) {
        return list(jbangHome(kit).resolve("cds")).stream().filter(p -> p.toString().endsWith(".jsa")).toList();
    }

    /** ./jbang ARGS in {@code kit}, as a learner runs it: no JBANG_ variables of ours, the jars from our Maven folder. */
    private static Result run(Path kit, Map<String, String> env, String... args) {
        return runIn(kit, kit, env, args);
    }

    /** The same from {@code folder}, inside the kit or not. */
    private static Result runIn(Path folder, Path kit, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        if (env.containsKey("ENV_I")) command.addAll(List.of("env", "-i", "PATH=/usr/bin:/bin", "JBANG_REPO=" + ROOT.resolve(".lab/m2")));
        command.add(kit.resolve("jbang").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("JBANG_") || k.equals("LAB_LAUNCH_CACHE"));
        builder.environment().put("JBANG_REPO", ROOT.resolve(".lab/m2").toString());
        env.forEach((k, v) -> { if (!k.equals("ENV_I")) builder.environment().put(k, v); });
        return exec(builder);
    }

    /** Runs {@code body} with JBang's own jar hidden: a ./jbang that needs JBang then fails. */
    private static void withoutJBang(Path kit, Runnable body) {
        Path lib = jbangHome(kit).resolve("lib");
        Path jar = list(lib).stream().filter(p -> p.getFileName().toString().matches("jbang-cli-.*\\.jar")).findFirst().orElseThrow();
        Path hidden = jar.resolveSibling(jar.getFileName() + ".hidden");
        try {
            // The folder's time is put back too: it keys JBang's class-data archive, which need not be made again.
            FileTime libTime = Files.getLastModifiedTime(lib);
            Files.move(jar, hidden);
            try {
                body.run();
            } finally {
                Files.move(hidden, jar);
                Files.setLastModifiedTime(lib, libTime);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeHello(Path file, String version) throws IOException {
        Files.writeString(file, "//JAVA 17+\nclass Hello {\n    public static void main(String... args) {\n"
                + "        System.out.println(\"" + version + " \" + String.join(\"|\", args));\n    }\n}\n");
    }

    private static void touch(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
    }

    /** {@code text} changed in its last character: the same length, so only its content tells. */
    private static String sameLength(String text) {
        return text.substring(0, text.length() - 1) + (text.endsWith("\n") ? " " : "\n");
    }

    private static byte[] garbage(long size) {
        byte[] bytes = new byte[(int) Math.max(size, 64)];
        new java.util.Random(11).nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++) if (bytes[i] == 0) bytes[i] = 1;  // no NUL: nothing like an entry or an archive
        return bytes;
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }
}
