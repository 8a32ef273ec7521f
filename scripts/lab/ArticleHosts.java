package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import lab.Article.Mode;

/**
 * The hosts files of article mode: the Mac's localhost lines (or their stand-ins), in the
 * shared sandbox's private folder (namespace mode) or in a file of this program's own (fallback).
 */
public final class ArticleHosts {
    private ArticleHosts() {}

    /** The Mac's /etc/hosts lines for localhost, or their stand-ins. */
    public static List<String> lines(Mode mode) {
        return mode == Mode.FALLBACK
                ? List.of("::1 localhost", "127.0.0.2 localhost", "127.0.0.1 localhost")
                : List.of("::1 localhost", "fe80::1%lo localhost", "127.0.0.1 localhost");
    }

    /** Where the namespace mode's hosts file lives: in the shared sandbox's private folder. */
    static Path namespaceFile() {
        return SharedSandbox.stateDirectory(Article.NAME).resolve("hosts-" + Mode.NAMESPACE.name().toLowerCase());
    }

    /**
     * The namespace mode's hosts file, written when a new sandbox starts (no one uses
     * the old file then), so a learner's edit of a file in use is never undone.
     */
    static Path writeNamespaceFile() {
        return write(namespaceFile(), Mode.NAMESPACE);
    }

    /** The fallback's hosts file: this program's own, gone when it ends, so nothing stays in the temp folder. */
    static Path fallbackFile() {
        return write(SessionFiles.newFile(SessionFiles.Kind.ARTICLE_HOSTS), Mode.FALLBACK);
    }

    private static Path write(Path file, Mode mode) {
        try {
            Files.writeString(file, "# localhost-lab article mode: the article's Mac, whose localhost is three loopback addresses\n"
                    + String.join("\n", lines(mode)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
