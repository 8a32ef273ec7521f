package lab;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file the learner names on a command line (a hosts file, a notebook, a template), read whole as
 * UTF-8 text, or one clear usage line. Only a regular file of a sane size: /dev/zero filled the
 * memory with a stack trace, and a FIFO hung the tool.
 */
public final class GivenFiles {
    private GivenFiles() {}

    /** Far above any hosts file, notebook or template. */
    static final long MAX_BYTES = 64L << 20;

    /** The text of {@code file}, which is a {@code what} ("hosts file", "notebook"); a file that is not UTF-8 text is a usage error too. */
    public static String text(Path file, String what) {
        return text(file, what, "");
    }

    /** The same; {@code hint}, if not empty, follows "is not a text file": what the file should hold. */
    public static String text(Path file, String what, String hint) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes(file, what))).toString();
        } catch (CharacterCodingException e) { // binary
            text = "\0";
        }
        if (text.indexOf('\0') >= 0) throw Failure.usage(what + " " + file + " is not a text file" + (hint.isEmpty() ? "" : "; " + hint));
        return text;
    }

    /** For a folder to make: the file in its way, if the nearest part of its path that exists is not a folder. */
    public static Optional<Path> fileInTheWay(Path folder) {
        Path existing = folder.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        return existing == null || Files.isDirectory(existing) ? Optional.empty() : Optional.of(existing);
    }

    /** A file a tool mounts or reads later, by its path: readable and regular, or one usage line. */
    public static void requireRegular(Path file, String what) {
        if (Files.isDirectory(file)) throw Failure.usage(what + " " + file + " is a folder, not a file");
        if (!Files.isReadable(file)) throw Failure.usage("cannot read " + what + " " + file);
        if (!Files.isRegularFile(file)) throw Failure.usage(what + " " + file + " is not a regular file (a device or a pipe?)");
    }

    private static byte[] bytes(Path file, String what) {
        requireRegular(file, what);
        try {
            if (Files.size(file) > MAX_BYTES) throw Failure.usage(what + " " + file + " is too large (over " + (MAX_BYTES >> 20) + " MB)");
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw Failure.usage("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }
}
