package lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The notebooks' "your turn" exercises. A starter cell declares one (its id,
 * title and two hints, in the cell's metadata); the next code cell checks it:
 *
 * <pre>
 * Exercise.check("01-bind-loop", c -> {
 *     c.expect(bindFirstFree("localhost", port) != null, "return the socket that bound");
 * });
 * </pre>
 *
 * A check prints ✓, or ☐ and what is still wrong, and never throws: a notebook
 * with untouched starters runs to its end. Progress goes to the file named by
 * LAB_PROGRESS (the learner's folder), never to the kit's tracked files.
 */
public final class Exercise {
    /** How long the learner's code may run inside a check: a loop that never returns is a finding, not a hang. */
    static final long SECONDS = 20;
    public static final String PROGRESS = "LAB_PROGRESS";

    private static final Map<String, Boolean> RESULTS = new LinkedHashMap<>();
    private static final Map<String, Integer> HINTS_GIVEN = new HashMap<>();
    /** How the learner asks for a hint where the check ran: a call in the next cell, or a command in the terminal. */
    private static volatile String askForHint = "Exercise.hint(\"%s\")";

    private Exercise() {}

    /** One exercise as its starter cell declares it. */
    public record Info(String id, String title, List<String> hints, Path notebook) {}

    /** What a check asserts; a false claim ends the check with {@code whatIsWrong}. */
    public interface Body {
        void run(Checker c) throws Exception;
    }

    public static final class Checker {
        private Checker() {}

        public void expect(boolean holds, String whatIsWrong) {
            if (!holds) throw new NotYet(whatIsWrong);
        }
    }

    private static final class NotYet extends RuntimeException {
        NotYet(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Runs {@code body} against the learner's code and prints one line: ✓, or ☐
     * and what is still wrong with the way to ask for a hint.
     */
    public static void check(String id, Body body) {
        String wrong = wrong(body);
        boolean passed = wrong == null;
        synchronized (RESULTS) {
            RESULTS.put(id, passed);
        }
        record(id, passed ? DONE : null);
        if (passed) System.out.println("✓ " + id + ": done");
        else System.out.println("☐ " + id + ", not yet: " + wrong + "\n  Stuck? " + askForHint.formatted(id));
    }

    /**
     * In place of the check, where this system lacks what the exercise is about (/proc on a Mac): one
     * line that says why, and the exercise is kept as not for this machine, never as not done.
     */
    public static void notHere(String id, String why) {
        synchronized (RESULTS) {
            RESULTS.put(id, true); // nothing for the learner to do here
        }
        record(id, NOT_HERE);
        System.out.println("– " + id + ": not on this system: " + why);
    }

    /** Where the checks run in a terminal (the player, verify), where no cell can call hint(): the command to type. */
    public static void askForHintsInTheTerminal() {
        askForHint = Tools.jbang() + " exercises@catalog hint %s";
    }

    /** Null when the body passed, else what is wrong, in one line. */
    private static String wrong(Body body) {
        FutureTask<Void> task = new FutureTask<>(() -> {
            body.run(new Checker());
            return null;
        });
        Thread runner = new Thread(task, "exercise-check");
        runner.setDaemon(true);
        runner.start();
        try {
            task.get(SECONDS, TimeUnit.SECONDS);
            return null;
        } catch (TimeoutException e) {
            runner.interrupt();
            return "your code did not return within " + SECONDS + " s (a loop that never ends, or an accept() with no client?)";
        } catch (InterruptedException e) {
            runner.interrupt();
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof NotYet notYet) return notYet.getMessage();
            return "your code threw " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
    }

    /** Whether this system's server sockets know {@code option} (Windows has no SO_REUSEPORT). */
    public static boolean socketOptionHere(java.net.SocketOption<?> option) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            return socket.supportedOptions().contains(option);
        }
    }

    /**
     * Two loopback addresses that this machine can bind, for checks that need a
     * taken one and a free one: ::1 and 127.0.0.1, or, without IPv6, 127.0.0.1 and
     * 127.0.0.2 (Linux routes all of 127/8 to loopback).
     */
    public static List<InetAddress> twoLoopbackAddresses() throws IOException {
        List<InetAddress> pair = new ArrayList<>();
        for (String candidate : List.of("::1", "127.0.0.1", "127.0.0.2")) {
            InetAddress address = InetAddress.getByName(candidate);
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(address, 0));
                pair.add(address);
            } catch (IOException notHere) {
                // not on this machine's loopback
            }
            if (pair.size() == 2) return pair;
        }
        throw new IOException("this machine's loopback has fewer than two addresses to bind: " + pair);
    }

    /**
     * A server of the check's own on {@code address}:{@code port} that writes {@code reply} and a
     * line end to each client, on a thread of its own, until it is closed.
     */
    public static Answering answering(InetAddress address, int port, String reply) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(address, port));
        Thread answers = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket client = server.accept()) {
                    client.getOutputStream().write((reply + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException closed) {
                    // closed by the check, or a client that left: the loop's test says which
                }
            }
        }, "answers " + reply);
        answers.setDaemon(true);
        answers.start();
        return new Answering(server, answers);
    }

    /**
     * {@link #answering}'s server. Closing it waits for its thread: Java frees a port that a
     * thread waits on in accept() only once that thread has left, and the next bind may come at once.
     */
    public record Answering(ServerSocket server, Thread thread) implements java.io.Closeable {
        @Override
        public void close() throws IOException {
            server.close();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What this system answers when 127.0.0.1 and the wildcard 0.0.0.0 meet on one port: {@code wild},
     * whether 127.0.0.1 binds while 0.0.0.0 is held; {@code back}, the other order; and that rule in
     * words. Linux refuses both; macOS and the BSDs allow both, since Java sets SO_REUSEADDR. A check
     * expects the learner's answers to be this system's own, so the exercise can be done on either.
     */
    public record WildcardRule(boolean wild, boolean back, String rule) {
        public static WildcardRule of(String osName, boolean wild, boolean back) {
            OperatingSystem os = OperatingSystem.of(osName);
            boolean bsd = os == OperatingSystem.MACOS || os == OperatingSystem.BSD;
            String system = os == OperatingSystem.LINUX ? "Linux: " : "this system (" + osName + "): ";
            String rule = wild && back ? "127.0.0.1 and 0.0.0.0 share one port, in either order"
                    + (bsd ? " (Java sets SO_REUSEADDR, with which macOS and the BSDs allow it)" : "")
                    : !wild && !back ? "127.0.0.1 and 0.0.0.0 on one port clash, in either order"
                    : wild ? "127.0.0.1 binds beside a held 0.0.0.0, but 0.0.0.0 not beside a held 127.0.0.1"
                    : "0.0.0.0 binds beside a held 127.0.0.1, but 127.0.0.1 not beside a held 0.0.0.0";
            return new WildcardRule(wild, back, system + rule);
        }
    }

    /** This system's {@link WildcardRule}, asked of its kernel with real sockets on a free port, in each order. */
    public static WildcardRule wildcardRuleHere() {
        try {
            return WildcardRule.of(System.getProperty("os.name"), bindsBeside("0.0.0.0", "127.0.0.1"), bindsBeside("127.0.0.1", "0.0.0.0"));
        } catch (IOException e) { // the kit's own sockets, not the learner's: say so, or the check would blame their code
            throw new UncheckedIOException("the kit could not ask this system's own rule: " + e.getMessage(), e);
        }
    }

    private static boolean bindsBeside(String held, String other) throws IOException {
        try (ServerSocket first = new ServerSocket(); ServerSocket second = new ServerSocket()) {
            first.bind(new InetSocketAddress(held, 0));
            try {
                second.bind(new InetSocketAddress(other, first.getLocalPort()));
                return true;
            } catch (BindException clash) {
                return false;
            }
        }
    }

    /** The result of the last check of {@code id} in this JVM, if it ran. */
    public static Optional<Boolean> result(String id) {
        synchronized (RESULTS) {
            return Optional.ofNullable(RESULTS.get(id));
        }
    }

    /** Prints the next hint for {@code id}: the first, then the second, then where the solution is. */
    public static void hint(String id) {
        Info info = find(all(Lab.home().resolve("notebooks")), id);
        int given;
        synchronized (HINTS_GIVEN) {
            given = HINTS_GIVEN.merge(id, 1, Integer::sum);
        }
        System.out.println(hintText(info, given));
    }

    /**
     * Hint number {@code n} (from 1), or the solution itself once the hints are used up: Jupyter's
     * file list shows only the learner's folder, not the kit's notebooks/solutions.
     */
    public static String hintText(Info info, int n) {
        if (n <= info.hints().size()) return "Hint " + n + " of " + info.hints().size() + " for " + info.id() + ": " + info.hints().get(n - 1);
        String file = "notebooks/solutions/" + info.id() + ".jsh";
        try {
            return "No more hints for " + info.id() + ". The solution (" + file + "):\n" + Files.readString(Lab.home().resolve(file)).stripTrailing();
        } catch (IOException e) {
            return "No more hints for " + info.id() + ": the solution is in the kit's " + file;
        }
    }

    /** Every exercise of the notebooks in {@code folder} (NN-*.ipynb), in notebook order. */
    public static List<Info> all(Path folder) {
        List<Info> all = new ArrayList<>();
        for (Path notebook : Notebooks.inOrder(folder)) {
            for (Notebooks.Cell cell : Notebooks.read(notebook)) {
                if (cell.exercise() != null) all.add(new Info(cell.exercise().id(), cell.exercise().title(), cell.exercise().hints(), notebook));
            }
        }
        return all;
    }

    /** The exercise called {@code id}, or a usage failure naming the ids there are. */
    public static Info find(List<Info> all, String id) {
        return all.stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow(() -> Failure.usage("no exercise '" + id
                + "': the exercises are " + String.join(", ", all.stream().map(Info::id).toList())));
    }

    /** The learner's progress file, if this session keeps one (LAB_PROGRESS, as a property or in the environment; blank: none). */
    public static Optional<Path> progressFile() {
        String file = System.getProperty(PROGRESS, System.getenv(PROGRESS));
        return file == null || file.isBlank() ? Optional.empty() : Optional.of(Path.of(file));
    }

    /** What the progress file says of an exercise: done, or not for this machine (no line: todo). */
    public static final String DONE = "done", NOT_HERE = "n/a";

    /** The progress file, read once: each exercise it names and its state, DONE or NOT_HERE (not named: todo). */
    public static Map<String, String> progress() {
        try {
            return states();
        } catch (IOException e) {
            return Map.of(); // unreadable: nothing is known
        }
    }

    /** Every line of the progress file: an exercise and its state, in the file's order. */
    private static Map<String, String> states() throws IOException {
        Map<String, String> states = new LinkedHashMap<>();
        Optional<Path> file = progressFile();
        if (file.isEmpty() || !Files.isRegularFile(file.get())) return states;
        for (String line : Files.readAllLines(file.get())) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && (f[1].equals(DONE) || f[1].equals(NOT_HERE)) && !f[0].startsWith("#")) states.put(f[0], f[1]);
        }
        return states;
    }

    /**
     * Keeps the latest state of {@code id} in the progress file (null: todo): a broken solution is todo again.
     * Two kernels may check at once: each reads, changes and rewrites the file holding a lock beside it
     * (.progress.lock), so that neither loses the other's line.
     */
    private static synchronized void record(String id, String state) {
        Optional<Path> file = progressFile();
        if (file.isEmpty()) return;
        Path folder = file.get().toAbsolutePath().getParent();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            System.out.println("(progress not saved: " + file.get() + ": " + e.getMessage() + ")");
            return;
        }
        FileChannel lock = null;
        try {
            lock = FileChannel.open(folder.resolve(file.get().getFileName() + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock.lock(); // released when the channel closes
        } catch (IOException | RuntimeException e) { // no lock here (a file system without locks, a read-only folder): as before
            close(lock);
            lock = null;
        }
        try {
            rewrite(file.get(), id, state);
        } finally {
            close(lock);
        }
    }

    private static void close(FileChannel channel) {
        try {
            if (channel != null) channel.close();
        } catch (IOException e) {
            // the lock goes with the channel either way
        }
    }

    private static void rewrite(Path file, String id, String state) {
        Map<String, String> states;
        try {
            states = states();
        } catch (IOException e) { // rewritten from what could be read, it would lose the rest: left as it is
            System.out.println("(progress not saved: cannot read " + file + ": " + e.getMessage() + ")");
            return;
        }
        states.remove(id);
        if (state != null) states.put(id, state);
        Path next = null;
        try {
            next = Files.createTempFile(file.toAbsolutePath().getParent(), ".progress-", ".tmp");
            Files.writeString(next, "# localhost-lab: the exercises you have done (exercises@catalog list)\n"
                    + String.join("", states.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + "\n").toList()));
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.out.println("(progress not saved: " + file + ": " + e.getMessage() + ")");
            try {
                if (next != null) Files.deleteIfExists(next); // the move failed: nothing of ours stays
            } catch (IOException ignored) {
                // it stays, named .progress-*.tmp
            }
        }
    }
}
