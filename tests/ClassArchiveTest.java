package tests;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import lab.ClassArchive;
import lab.Servers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tests.Run.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The class-data archive of the lab's tools: made once in the background, then used by
 * every tool the lab starts; a changed archive is made again, a foreign one is refused by
 * the JVM without a word (but on JDK 25: see below). Each test has an archive folder of its own.
 */
@Tag("fast")
class ClassArchiveTest extends Kit {
    private static final String KIT = Scripts.classpath("play");
    private static final String FROM_ARCHIVE = "pong source: shared objects file"; // "(top)" on JDK 17-24

    @Test
    void theToolsStartFromAnArchiveMadeOnceAndAChangedOneIsMadeAgain() throws Exception {
        Path folder = TempFiles.temporaryFolder("lab-cds");
        // A copy of the kit's jar, with no options record beside it yet (as after a rebuild): the training writes one.
        String kit = RememberedOptionsTest.ownCopy("play");
        assertEquals(List.of(), ClassArchive.options(folder, kit), "none yet: the first tools start as before");
        Path archive = madeIn(folder, kit);
        Result first = pong(kit, ClassArchive.options(folder, kit));
        assertTrue(first.out().contains(FROM_ARCHIVE), "pong's classes come from the archive");
        assertEquals(List.of(), first.out().lines().filter(l -> l.contains(" source: file:")).toList(),
                "every class of the kit's comes from the archive: no jar is even opened");

        for (boolean truncate : List.of(false, true)) {
            String how = truncate ? "a truncated" : "a changed";
            corrupt(archive, truncate);
            assertEquals(List.of(), ClassArchive.options(folder, kit), how + " archive is not used");
            assertEquals(archive, madeIn(folder, kit), "but made again");
            Result again = pong(kit, ClassArchive.options(folder, kit));
            assertTrue(again.out().contains(FROM_ARCHIVE), "the new one is used: " + again.out());
        }
        List<String> expected = new ArrayList<>(List.of(archive.getFileName().toString(), crcOf(archive).getFileName().toString()));
        expected.sort(null);
        assertEquals(expected, Settled.settled(() -> names(folder), expected::equals), "no claim, no half-made archive left");
    }

    @Test
    void aTrainingThatFailsIsNotTriedAgainAtEachTool() throws Exception {
        Path folder = TempFiles.temporaryFolder("lab-cds");
        String noPong = TempFiles.temporaryFolder("lab-empty").toString(); // its training pong cannot start
        assertEquals(List.of(), ClassArchive.options(folder, noPong));
        assertTrue(names(folder).stream().anyMatch(f -> f.endsWith(".training")), "a training is claimed at once: " + names(folder));
        assertEquals(List.of(), Settled.settled(() -> names(folder), List::isEmpty), "it fails, and leaves nothing");
        for (int tool = 0; tool < 3; tool++) {
            assertEquals(List.of(), ClassArchive.options(folder, noPong));
            assertEquals(List.of(), names(folder), "no second training in this JVM");
        }
    }

    @Test
    void aForeignArchiveIsRefusedByTheJvmWithoutAWord() throws Exception {
        // Temurin 25.0.3 mapped an AOT cache made for other jars: a pong of a jar of its own, started with the
        // kit's cache, ran the cached pong. There the cache's name (ClassArchive's key) is the only guard.
        assumeTrue(Runtime.version().feature() != 25, "JDK 25 was seen to map an AOT cache made for other jars");
        // Other jars: pong's own build (pong.jar), not the kit's.
        String other = Scripts.classpath("pong");
        Path folder = TempFiles.temporaryFolder("lab-cds");
        ClassArchive.options(folder, KIT);
        Path ours = madeIn(folder, KIT);
        ClassArchive.options(folder, other);
        Path theirs = madeIn(folder, other);

        // Ours, under their name, with a CRC that matches: only the JVM can tell.
        Files.copy(ours, theirs, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(crcOf(theirs), crc(theirs));
        List<String> options = ClassArchive.options(folder, other);
        assertTrue(options.contains("-XX:SharedArchiveFile=" + theirs) || options.contains("-XX:AOTCache=" + theirs), options.toString());
        Result refused = pong(other, options);
        assertEquals(0, refused.exit(), refused.out());
        assertFalse(refused.out().contains(FROM_ARCHIVE), "the JVM refuses it: " + refused.out());
        assertTrue(refused.out().contains("pong source: file:"), "and reads the jar instead: " + refused.out());
        assertEquals(List.of(), refused.out().lines().filter(l -> !l.contains(" source: ") && !l.startsWith("Listen on ")).toList(),
                "not a word about it");
    }

    /** The archive of {@code classpath} in {@code folder}, once its training is over (ClassArchive gives one 60 s). */
    private static Path madeIn(Path folder, String classpath) throws InterruptedException {
        List<String> options = Settled.settled(() -> ClassArchive.options(folder, classpath), o -> !o.isEmpty(), java.time.Duration.ofSeconds(90));
        assertFalse(options.isEmpty(), "an archive is made in the background: " + names(folder));
        String option = options.get(0);
        return Path.of(option.substring(option.indexOf('=') + 1));
    }

    /** A real pong on a free port, which ends as soon as it listens, with the classes it loaded and where from. */
    private Result pong(String classpath, List<String> archive) {
        List<String> options = new ArrayList<>(archive);
        options.add("-Xlog:class+load=info:stdout:tags"); // prints "[class,load] NAME source: WHERE"
        List<String> command = Servers.javaCommand(classpath, options, "pong",
                List.of("--port", Integer.toString(freePort()), "--exit-with-stdin"));
        Result result = Run.exec(command);
        assertTrue(result.out().contains("Listen on "), result.out() + result.err());
        assertEquals("", result.err());
        return result;
    }

    /** Garbles 4 kB in the middle of the archive and keeps its size and time, or cuts it short (KernelArchiveTest too). */
    static void corrupt(Path archive, boolean truncate) throws IOException {
        byte[] bytes = Files.readAllBytes(archive);
        FileTime time = Files.getLastModifiedTime(archive);
        archive.toFile().setWritable(true);
        if (truncate) {
            Files.write(archive, Arrays.copyOf(bytes, bytes.length / 3));
        } else {
            for (int i = bytes.length / 2; i < bytes.length / 2 + 4096; i++) bytes[i] ^= (byte) 0x5a;
            Files.write(archive, bytes);
            Files.setLastModifiedTime(archive, time);
        }
    }

    private static Path crcOf(Path archive) {
        String name = archive.getFileName().toString();
        return archive.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".crc");
    }

    private static String crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(Files.readAllBytes(file));
        return Long.toHexString(crc.getValue()) + " " + Files.size(file);
    }

    /** The file names in {@code folder}, sorted (its error, where it cannot be listed). */
    static List<String> names(Path folder) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(folder)) {
            all.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            names.add(e.toString());
        }
        names.sort(null);
        return names;
    }
}
