package tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import lab.SessionFiles;

/** Folders and files a test writes to: all in the temp folder, all removed when the run ends. */
public final class TempFiles {
    private TempFiles() {}

    private static final List<Path> MADE = madeThisRun();

    private static List<Path> madeThisRun() {
        List<Path> folders = new CopyOnWriteArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> folders.forEach(SessionFiles::removeTree)));
        return folders;
    }

    /** A new folder in the temp folder, removed when the run ends. */
    public static Path temporaryFolder(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            MADE.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A stand-in for a program, {@code bin/name}: a shell script that runs {@code script} (a Mac's uname, a Java 11). */
    public static Path standIn(Path bin, String name, String script) {
        try {
            Path program = bin.resolve(name);
            Files.writeString(program, "#!/bin/sh\n" + script + "\n");
            Files.setPosixFilePermissions(program, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            return program;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A folder of links to every program on PATH but {@code tools}, as a PATH (a Mac has no flock, no md5sum). */
    public static Path pathWithout(String... tools) {
        Path bin = temporaryFolder("lab-bin");
        for (String folder : System.getenv("PATH").split(":")) {
            try (java.util.stream.Stream<Path> programs = Files.list(Path.of(folder))) {
                for (Path program : programs.filter(Files::isExecutable).toList()) {
                    Path name = program.getFileName();
                    if (!List.of(tools).contains(name.toString()) && Files.notExists(bin.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(bin.resolve(name), program);
                    }
                }
            } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException absent) {
                // a folder on PATH that is not there
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return bin;
    }

    /** A new folder, sticky and open to all as /tmp is, removed when the run ends. */
    public static Path sharedFolder(String prefix) {
        Path dir = temporaryFolder(prefix);
        chmod(List.of("1777", dir.toString()));
        return dir;
    }

    /** A new folder everyone can read, with copies of {@code files} at their paths relative to ROOT. */
    public static Path readableByAll(Path... files) {
        try {
            Path dir = temporaryFolder("lab-readable");
            for (Path file : files) {
                Path copy = dir.resolve(Kit.ROOT.relativize(file));
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy);
            }
            return openToAll(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lets every user read {@code dir} and what it holds. */
    static Path openToAll(Path dir) {
        chmod(List.of("-R", "a+rX", dir.toString()));
        return dir;
    }

    private static void chmod(List<String> modeAndPath) {
        List<String> command = new java.util.ArrayList<>(List.of("chmod"));
        command.addAll(modeAndPath);
        Run.Result r = Run.exec(command);
        if (r.exit() != 0) throw new IllegalStateException(String.join(" ", command) + ": " + r.err().strip());
    }

    /** A private hosts file with these lines, for Java's jdk.net.hosts.file or a bind mount. */
    public static Path hostsFile(String... lines) {
        try {
            Path file = Files.createTempFile("lab-hosts", "");
            file.toFile().deleteOnExit();
            Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
