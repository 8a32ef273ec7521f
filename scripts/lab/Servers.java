package lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The plumbing behind "open another terminal and run the server again": start
 * lab servers as separate OS processes, read what they print, and stop them
 * (their lifelines, which make sure none outlives us, are in {@link Lifelines}).
 */
public final class Servers {
    private Servers() {}

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static final String EOF = "\0eof";

    static {
        // A clean exit (end of a notebook, Ctrl-C) stops our children at once.
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly)));
        } catch (IllegalStateException shuttingDown) {
            // first used by another shutdown hook (a sandbox stopping its holder): nothing of ours runs yet
        }
    }

    /** A started child process, what it printed first, and what it printed on stderr. */
    public static final class Server {
        public final Process process;
        public final String firstLine;
        private final StringBuffer stderr;

        Server(Process process, String firstLine, StringBuffer stderr) {
            this.process = process;
            this.firstLine = firstLine;
            this.stderr = stderr;
        }

        public long pid() {
            return process.pid();
        }

        /** True while the process runs and has said "Listen on ...". */
        public boolean listening() {
            return process.isAlive() && firstLine != null && firstLine.startsWith("Listen on ");
        }

        /** The address from "Listen on ADDR", or null. */
        public String address() {
            return firstLine != null && firstLine.startsWith("Listen on ") ? firstLine.substring(10).trim() : null;
        }

        /** Waits for the process to end and returns its exit code. */
        public int exitCode(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("pid " + pid() + " still runs after " + timeout);
            }
            return process.exitValue();
        }

        public String stderr() {
            return stderr.toString();
        }

        public void stop() {
            Servers.stop(process);
        }

        @Override
        public String toString() {
            if (listening()) return "pid " + pid() + " listening on " + address();
            // Not listening: why, so a failed check says it: its last error (a stack trace's frames are indented), or its first line.
            String why = stderr.toString().lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0))).reduce((first, last) -> last)
                    .orElse(firstLine != null ? firstLine : "(silent)");
            return "pid " + pid() + (process.isAlive() ? " " : " exited: ") + why;
        }
    }

    /**
     * UTF-8 in and out whatever the locale: with no LANG, JDK 17 would print ✓ as ?
     * (file.encoding for 17, stdout.encoding for 19+, sun.* for 17 and 18).
     */
    public static final List<String> UTF8 = List.of("-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8",
            "-Dsun.stderr.encoding=UTF-8", "-Dstdout.encoding=UTF-8", "-Dstderr.encoding=UTF-8");

    /**
     * The kit's tools run on C1 alone: a tool's JVM lives for a cell or a terminal, too short for C2's
     * compiles to pay. 13% less CPU to start here (30 runs of resolve --list), the same pong throughput,
     * and make lab 0.4 s sooner. The tools' //RUNTIME_OPTIONS say the same, for JBang.
     */
    public static final String TOOL_JIT = "-XX:TieredStopAtLevel=1";

    /**
     * No performance-data file (/tmp/hsperfdata_USER/PID: jps, jstat, and jcmd or JConsole listing JVMs
     * read it; jcmd PID still works). A JVM whose file another process holds locked (one with its PID in
     * another PID namespace, as in containers that share /tmp) says so in a warning on stdout, where the
     * lab reads a tool's answer: pong's "Listen on" was no longer its first line. Every JVM of the kit whose
     * output is read has it: JBang's and the javac it runs, the tools, the player, the kernels.
     */
    public static final String NO_PERF_DATA = "-XX:-UsePerfData";

    /** {@code java [options] -cp classpath mainClass args}, run by the JVM that runs us, in UTF-8, with no performance-data file. */
    public static List<String> javaCommand(String classpath, List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(UTF8);
        command.add(NO_PERF_DATA);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * Starts {@code command} and waits until it prints its first line or exits.
     * Its stdin stays an open pipe: servers started with --exit-with-stdin die with us.
     * Failures are unchecked, so that a notebook cell can call this plainly.
     */
    public static Server start(List<String> command, Duration timeout) {
        try {
            return startOrThrow(command, timeout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + command, e);
        }
    }

    private static Server startOrThrow(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        RUNNING.add(process);
        process.onExit().thenRun(() -> RUNNING.remove(process));
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        StringBuffer stderr = new StringBuffer();
        drain(process.getInputStream(), lines::add, () -> lines.add(EOF), "stdout of " + process.pid());
        Thread errors = drain(process.getErrorStream(), l -> {
            if (!ProcessOutput.isJvmNotice(l)) stderr.append(l).append('\n');
        }, () -> { }, "stderr of " + process.pid());
        String first = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null) first = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS); // slow (a busy laptop): its line or its end
        if (first != null && !first.equals(EOF)) return new Server(process, first, stderr);
        if (first != null && process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) { // ended: what it said on stderr is all
            errors.join(timeout.toMillis());
            return new Server(process, null, stderr);
        }
        stop(process);
        throw new IOException("no output from " + program(command) + " within " + timeout.multipliedBy(2) + ": " + stderr);
    }

    /** The program {@code command} runs: a java command's main class, else its first word. */
    private static String program(List<String> command) {
        int classpath = Math.max(command.indexOf("-cp"), command.indexOf("-classpath"));
        return classpath >= 0 && classpath + 2 < command.size() ? command.get(classpath + 2) : command.get(0);
    }

    /** Closes the lifeline first (a polite exit), then kills, and always waits. */
    public static void stop(Process process) {
        try {
            process.getOutputStream().close();
            // Long enough for a launcher in article mode to stop what it runs inside and leave the sandbox.
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The servers this JVM started that still run. */
    public static Set<Process> running() {
        return Set.copyOf(RUNNING);
    }

    /** Stops every server this JVM started and that still runs. */
    public static void stopAll() {
        List.copyOf(RUNNING).forEach(Servers::stop);
    }

    private static Thread drain(InputStream in, java.util.function.Consumer<String> sink, Runnable atEnd, String name) {
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) sink.accept(line);
            } catch (IOException e) {
                // the process went away
            }
            atEnd.run();
        }, name);
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
