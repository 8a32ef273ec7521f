package lab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files of Linux's /proc, read whole. */
public final class ProcFiles {
    private ProcFiles() {}

    /**
     * {@code file} as text, read from its start with a buffer: /proc gives every file the size 0,
     * and a /proc/sys file answers a read past its start with nothing (Files.readString, which
     * reads a byte first, gets "6" of "65534").
     */
    public static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * /proc/PROCESS/stat's fields after the command's name (which may hold spaces and parentheses): [0] is
     * proc(5)'s field 3, the state, then the parent, the process group, the session...; null without it.
     */
    public static String[] stat(String process) {
        try {
            String stat = read(Path.of("/proc", process, "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
