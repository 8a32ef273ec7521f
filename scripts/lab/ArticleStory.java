package lab;

import java.util.ArrayList;
import java.util.List;

import lab.Article.Mode;

/** What each article mode reproduces of the article's outputs, and what it stands in for, in words. */
public final class ArticleStory {
    private ArticleStory() {}

    /** One line: the mode, and where to read what it reproduces. */
    public static String summary(Mode mode) {
        return switch (mode) {
            case NAMESPACE -> "article mode: in a private Linux sandbox whose localhost is the article's [::1], [fe80::1], 127.0.0.1 (`" + Tools.jbang() + " resolve@catalog --sandbox article` says what is exact)";
            case FALLBACK -> "article mode, fallback: no namespaces here (" + Sandbox.unavailable().orElse("") + "), so Java reads a private hosts file with 127.0.0.2 standing in for fe80::1";
            case MACOS -> "article mode on macOS: this Mac's /etc/hosts names localhost on fe80::1%lo0 too, as the author's did, so nothing is sandboxed or stood in for";
        };
    }

    /** One line: the article mode this machine would run in, or on a Mac without the article's line, why none. */
    public static String wouldUse() {
        return Article.refusedHere().map(why -> "Article mode cannot run here: " + why)
                .orElseGet(() -> "Here it would be " + summary(Article.possible()));
    }

    private static boolean explained;

    /** After a blank line, prints {@link #explain} for the mode this program runs in, if any, once per program. */
    public static synchronized void explainIfActive(int port) {
        if (explained) return;
        Article.current().ifPresent(mode -> {
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
                standsIn(lines, "the Mac's resolver", "Java reads that copy itself (jdk.net.hosts.file), in file order, which is the order the Mac sorted them into: "
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
                exact(lines, "everything: this Mac's /etc/hosts names localhost on ::1, fe80::1%lo0 and 127.0.0.1, as the author's did");
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
