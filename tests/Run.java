package tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to its end, with no stdin, and collects its output. */
public final class Run {
    private Run() {}

    /** How long a command may run before it counts as hung: a guard, not a timing (notebooks and builds on a slow machine). */
    public static final Duration HUNG = Duration.ofMinutes(4);

    /** The output of a finished command. */
    public record Result(int exit, String out, String err) {
        public List<String> lines() {
            return out.lines().toList();
        }
    }

    /** Bad input's rule: the exit code, and stderr exactly one line, with no stack trace, that says {@code expected}. */
    public static void oneLine(Result r, int exit, String expected) {
        org.junit.jupiter.api.Assertions.assertEquals(exit, r.exit(), "exit code; stderr: " + r.err());
        List<String> lines = r.err().lines().toList();
        org.junit.jupiter.api.Assertions.assertEquals(1, lines.size(), "one line on stderr: " + r.err());
        org.junit.jupiter.api.Assertions.assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        org.junit.jupiter.api.Assertions.assertTrue(lines.get(0).contains(expected), lines.get(0));
    }

    /** {@code first}, then {@code then}: a command after its wrapper (env -i ..., unshare ...). */
    public static List<String> concat(List<String> first, List<String> then) {
        List<String> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }

    public static Result exec(List<String> command) {
        return exec(command, Kit.ROOT);
    }

    public static Result exec(List<String> command, Path dir) {
        return exec(new ProcessBuilder(command).directory(dir.toFile()));
    }

    /** The same with these environment variables set, as `env K=V command` would. */
    public static Result exec(Map<String, String> env, List<String> command) {
        return started(env, command).finish();
    }

    /** The same, started now: two runs side by side are two of these, then their finish(). */
    public static Started started(Map<String, String> env, List<String> command) {
        List<String> withEnv = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> withEnv.add(k + "=" + v));
        withEnv.addAll(command);
        return started(new ProcessBuilder(withEnv).directory(Kit.ROOT.toFile()));
    }

    /** What {@code builder} describes; its output goes to files, so a chatty command never blocks on a full pipe. */
    public static Result exec(ProcessBuilder builder) {
        return started(builder).finish();
    }

    /** A command started with its output going to files: {@link #finish} waits for it and reads them. */
    public record Started(Process process, List<String> command, Path out, Path err) {
        public Result finish() {
            try {
                try {
                    if (!process.waitFor(HUNG.toSeconds(), TimeUnit.SECONDS)) {
                        // The whole tree: a hung `make lab` would leave its player running, orphaned.
                        lab.Lifelines.killTree(process, Duration.ofSeconds(10));
                        throw new AssertionError("still running after " + HUNG + ": " + command);
                    }
                    return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
                } finally {
                    Files.deleteIfExists(out);
                    Files.deleteIfExists(err);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        /** For a finally block: a run that a failed assertion left unfinished is stopped, with all it started. */
        public void stop() throws InterruptedException {
            if (process.isAlive()) lab.Lifelines.killTree(process, Duration.ofSeconds(10));
        }
    }

    /** Where started commands write their output: removed when the run ends, even what an unfinished one wrote. */
    private static final class Outputs {
        static final Path DIR = TempFiles.temporaryFolder("lab-run");
    }

    /** {@code command} started now, as exec runs it, for a long run that other checks go on beside. */
    public static Started started(ProcessBuilder builder) {
        try {
            Path out = Files.createTempFile(Outputs.DIR, "out", ".txt"), err = Files.createTempFile(Outputs.DIR, "err", ".txt");
            Process p = builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Started(p, builder.command(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
