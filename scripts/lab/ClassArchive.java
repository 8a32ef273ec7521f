package lab;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * A class-data archive for the JVMs the lab starts (pong, ping, resolve, ...): they map the
 * kit's classes from one file instead of reading the jars, about 15 ms sooner each, and the
 * lab starts some fifty. One archive per JDK and classpath, in .lab/cds/, made once in the
 * background by a training pong the first time it is missing; until then, and for a JDK or
 * jars it was not made from, the JVMs start as they always did. JDK 25 gets its AOT cache
 * instead of a dynamic CDS archive.
 *
 * An archive is used only while its CRC matches the one written beside it when it was made:
 * a changed archive can crash a JVM, so it is made again instead. A foreign archive (another
 * JDK, other jars) is refused by the JVM itself, and that refusal is silenced: it only costs
 * time. Temurin 25.0.3 does not refuse an AOT cache made for other jars (it ran a cached class
 * instead of the jar's), so what keeps a cache from a JVM it was not made for is its name, which
 * hashes the JDK and every jar's path, size and time. LAB_CLASS_ARCHIVE=off turns it all off.
 */
public final class ClassArchive {
    private ClassArchive() {}

    private static final boolean AOT = Runtime.version().feature() >= 25;
    /** A training left by a JVM that died is taken over after this. */
    private static final Duration STALE_TRAINING = Duration.ofMinutes(2);
    /** Archives of older jars and JDKs: the newest few stay, for a kit that switches between JDKs. */
    private static final int KEPT = 4;
    /** Per archive: the file whose CRC we checked, as it was then, so that it is checked once. */
    private static final Map<Path, String> CHECKED = new ConcurrentHashMap<>();
    /** Trainings that failed in this JVM: one try per JVM, not one per tool it starts. */
    private static final Set<Path> FAILED = ConcurrentHashMap.newKeySet();
    /** No note from the JVM about an archive it cannot use or classes it leaves out: those only cost time. */
    private static final List<String> QUIET = List.of("-Xlog:cds*=off", "-Xlog:class+path*=off");
    /** Trainings under way in this JVM. */
    private static final Map<Path, Thread> TRAINING = new ConcurrentHashMap<>();

    /** The JVM options that start {@code classpath}'s tools from its archive in .lab/cds; none while there is none. */
    public static List<String> options(String classpath) {
        Path home = Lab.home();
        // Lab.home() falls back to the current folder: never write .lab/ into a folder that is not the kit.
        if ("off".equals(System.getenv("LAB_CLASS_ARCHIVE")) || !Files.isRegularFile(home.resolve("jbang-catalog.json"))) return List.of();
        return options(home.resolve(".lab").resolve("cds"), classpath);
    }

    /** The same, for the archives in {@code folder}: starts making the archive when it is missing or changed. */
    public static List<String> options(Path folder, String classpath) {
        Path archive = folder.resolve("kit-" + key(classpath) + (AOT ? ".aot" : ".jsa"));
        if (intact(archive)) return use(archive);
        train(archive, classpath);
        return List.of();
    }

    /** The options that start a JVM from {@code archive} (.aot: JDK 25's AOT cache), with no note if the JVM refuses it. */
    public static List<String> use(Path archive) {
        boolean aot = archive.getFileName().toString().endsWith(".aot");
        List<String> options = new ArrayList<>(aot ? List.of("-XX:AOTCache=" + archive, "-Xlog:aot*=off")
                : List.of("-XX:SharedArchiveFile=" + archive));
        options.addAll(QUIET);
        return options;
    }

    /**
     * Whether the archive is there with the CRC it was made with. A changed one is left for
     * the next training to replace: only a trainer, which holds the claim, writes here.
     */
    private static boolean intact(Path archive) {
        try {
            String seen = asItIs(archive);
            if (seen.equals(CHECKED.get(archive))) return true;
            if (Files.readString(sibling(archive, ".crc"), StandardCharsets.US_ASCII).trim().equals(crc(archive))) {
                CHECKED.put(archive, seen);
                return true;
            }
        } catch (IOException | RuntimeException e) {
            // not made yet, or not readable: not used
        }
        CHECKED.remove(archive);
        return false;
    }

    /** The archive's size, times and identity: any write changes the change time, which no one can set back. */
    private static String asItIs(Path archive) throws IOException {
        BasicFileAttributes file = Files.readAttributes(archive, BasicFileAttributes.class);
        Object changed;
        try {
            changed = Files.getAttribute(archive, "unix:ctime");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            changed = "-"; // not a Unix file system: size and modification time only
        }
        return file.size() + " " + file.lastModifiedTime().toMillis() + " " + changed + " " + file.fileKey();
    }

    /** Starts one training pong in the background, unless one is under way here or in another JVM. */
    private static void train(Path archive, String classpath) {
        if (TRAINING.containsKey(archive) || FAILED.contains(archive) || failedLately(archive)) return;
        Path claim = sibling(archive, ".training"); // one training at a time, in this JVM or any other
        try {
            Files.createDirectories(archive.getParent());
            try {
                Files.writeString(claim, Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException taken) {
                if (!abandoned(claim)) return;
                Files.writeString(claim, Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII); // taken over
            }
        } catch (IOException | RuntimeException e) {
            return; // a kit folder we may not write: no archive
        }
        removeLeftovers(archive.getParent());
        Thread trainer = new Thread(() -> {
            try {
                make(archive, classpath);
            } finally {
                TRAINING.remove(archive);
                try {
                    Files.deleteIfExists(claim);
                } catch (IOException e) {
                    // the next one takes a stale claim over
                }
            }
        }, "class archive");
        trainer.setDaemon(true);
        TRAINING.put(archive, trainer);
        trainer.start();
    }

    /** A claim whose JVM is gone, or which is older than any training takes. */
    private static boolean abandoned(Path claim) throws IOException {
        if (Files.getLastModifiedTime(claim).toInstant().isBefore(Instant.now().minus(STALE_TRAINING))) return true;
        try {
            return !alive(Long.parseLong(Files.readString(claim, StandardCharsets.US_ASCII).trim()));
        } catch (NumberFormatException e) {
            return false; // being written right now
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(p -> !Lifelines.hasEnded(p)).orElse(false);
    }

    /** What trainings of JVMs that died left: kit-KEY.PID.tmp, the files the JVM made beside it, their claims. Best effort. */
    private static void removeLeftovers(Path folder) {
        try (DirectoryStream<Path> all = Files.newDirectoryStream(folder, "kit-*.{*.tmp*,training}")) {
            for (Path file : all) {
                String[] parts = file.getFileName().toString().split("\\.");
                try {
                    boolean left = parts[parts.length - 1].equals("training") ? abandoned(file)
                            : parts.length >= 3 && parts[1].matches("\\d{1,18}") && !alive(Long.parseLong(parts[1]));
                    if (left) Files.deleteIfExists(file);
                } catch (IOException | RuntimeException e) {
                    // another user's, or gone already
                }
            }
        } catch (IOException | RuntimeException e) {
            // nothing to tidy, or not ours to tidy
        }
    }

    /**
     * A real pong on a free port of loopback, with the archive written when it exits: it
     * loads what the lab's tools load (their options record, resolving, a server socket),
     * then its closed stdin ends it. It dies with us, SIGKILL included.
     */
    private static void make(Path archive, String classpath) {
        Path made = sibling(archive, "." + ProcessHandle.current().pid() + ".tmp");
        Path madeCrc = made.resolveSibling(made.getFileName() + ".crc");
        List<String> dump = new ArrayList<>(AOT ? List.of("-XX:AOTCacheOutput=" + made, "-Xlog:aot*=off")
                : List.of("-XX:ArchiveClassesAtExit=" + made));
        dump.addAll(QUIET);
        dump.add(Servers.TOOL_JIT); // trained as the tools run
        try {
            // First a pong through picocli, which writes its options record (RememberedOptions): the
            // training then binds from it, as later starts with recorded options do, and its archive holds
            // the classes that read it. Without them each such start opened the kit's jar: 4 ms of 45.
            List<String> help = Lifelines.diesWithUs(Servers.javaCommand(classpath, List.of(Servers.TOOL_JIT), "pong", List.of("--help")));
            Process first = new ProcessBuilder(help).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            first.getOutputStream().close();
            if (!first.waitFor(20, TimeUnit.SECONDS)) Lifelines.killTree(first, Duration.ofSeconds(5)); // the claim lasts 2 minutes
            List<String> command = Lifelines.diesWithUs(Servers.javaCommand(classpath, dump, "pong",
                    List.of("--host", "localhost", "--port", Integer.toString(Lab.freePort()), "--exit-with-stdin")));
            // Its "Listen on" is of no use; JDK 25's second JVM, which writes the cache, may hold the pipe.
            Process pong = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            pong.getOutputStream().close();
            boolean ended = pong.waitFor(60, TimeUnit.SECONDS);
            if (!ended) Lifelines.killTree(pong, Duration.ofSeconds(5));
            if (!ended || pong.exitValue() != 0) {
                FAILED.add(archive); // a pong that could not listen here (no loopback?): another JVM may fare better
                return;
            }
            if (!Files.isRegularFile(made) || Files.size(made) == 0) {
                FAILED.add(archive); // this JDK writes no archive: no JVM should try again soon
                Files.writeString(failed(archive), "pong ran but this JDK wrote no archive; delete this file to try again\n");
                return;
            }
            Path crcFile = sibling(archive, ".crc");
            Files.writeString(madeCrc, crc(made), StandardCharsets.US_ASCII);
            // Its CRC first: an archive without its CRC is never used.
            Files.move(madeCrc, crcFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(made, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            keepNewest(archive.getParent());
        } catch (IOException | RuntimeException e) {
            FAILED.add(archive); // a full disk, no free port: the tools start as before, and a later JVM tries again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(made);
                Files.deleteIfExists(madeCrc);
                Files.deleteIfExists(made.resolveSibling(made.getFileName() + ".config")); // JDK 25's training notes
            } catch (IOException e) {
                // a leftover .tmp is replaced by the next training of this JVM's PID, or by no one
            }
        }
    }

    private static void keepNewest(Path folder) throws IOException {
        List<Path> archives = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(folder, "kit-*.{jsa,aot}")) {
            all.forEach(archives::add);
        }
        archives.sort(Comparator.comparing((Path p) -> p.toFile().lastModified()).reversed());
        for (Path old : archives.subList(Math.min(KEPT, archives.size()), archives.size())) {
            Files.deleteIfExists(old);
            Files.deleteIfExists(sibling(old, ".crc"));
            Files.deleteIfExists(failed(old));
        }
    }

    /** What the archive was made from: this JDK, and each classpath entry as it is now. */
    private static String key(String classpath) {
        StringBuilder from = new StringBuilder(System.getProperty("java.home")).append('\n')
                .append(System.getProperty("java.vm.version")).append('\n');
        for (String entry : classpath.split(File.pathSeparator)) {
            File file = new File(entry);
            from.append(file.getAbsolutePath()).append(' ').append(file.length()).append(' ').append(file.lastModified()).append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(from.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) crc.update(buffer, 0, n);
        }
        return Long.toHexString(crc.getValue()) + " " + Files.size(file);
    }

    /** This JDK wrote no archive of these jars within a day: no JVM tries again soon, but not never. */
    private static boolean failedLately(Path archive) {
        try {
            return Files.getLastModifiedTime(failed(archive)).toInstant().isAfter(Instant.now().minus(Duration.ofDays(1)));
        } catch (IOException e) {
            return false;
        }
    }

    private static Path failed(Path archive) {
        return sibling(archive, ".failed");
    }

    private static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return file.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + suffix);
    }
}
