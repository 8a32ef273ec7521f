package lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/** What a started process prints, read on another thread (the common pool's): waiting for the process can then time out. */
public final class ProcessOutput {
    private ProcessOutput() {}

    /** Every byte of {@code process}'s stdout (its stderr too, if merged), once it closes it; none if reading fails. */
    public static CompletableFuture<byte[]> of(Process process) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
    }

    /**
     * A short command's end: its exit code, or null when it was stopped after the time it had; what it said;
     * and whether a process it left running held its output open (then the text is what came before).
     */
    public record Said(Integer exit, String text, boolean outputHeld) {
        public boolean ran() {
            return exit != null && exit == 0;
        }
    }

    /**
     * Runs a short command to its end, stdout and stderr together, with no input. It dies with
     * us, even on SIGKILL (Lifelines.diesWithUs), and is killed after {@code limit}: a hung lsof
     * or a version check that waits for something must not hang the tool that asked.
     */
    public static Said run(List<String> command, Duration limit) throws IOException, InterruptedException {
        return run(command, UnaryOperator.identity(), limit);
    }

    /**
     * The same, started through {@code where} (a sandbox's nsenter, Sandbox::inside): the lifeline
     * goes inside it, so that nothing between us and the command resets the signal.
     */
    public static Said run(List<String> command, UnaryOperator<List<String>> where, Duration limit) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(where.apply(Lifelines.diesWithUs(command))).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> out = of(p);
        Integer exit = null;
        try {
            if (p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) exit = p.exitValue();
        } finally {
            if (exit == null) Lifelines.killTree(p, Duration.ofSeconds(5)); // out of time, or we were interrupted
        }
        try {
            return new Said(exit, withoutJvmNotices(new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8)), false);
        } catch (TimeoutException e) { // a child left in the background holds the output open
            return new Said(exit, "", true);
        } catch (ExecutionException e) {
            return new Said(exit, "", false);
        }
    }

    /**
     * Whether {@code line} is the note a JVM prints on stderr when JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS or
     * _JAVA_OPTIONS is set (as WSL's IPv4 tip does): about the learner's shell, never part of a tool's answer.
     */
    public static boolean isJvmNotice(String line) {
        return JVM_NOTICE.matcher(line).matches();
    }

    private static final Pattern JVM_NOTICE = Pattern.compile("(NOTE: )?Picked up (JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS): .*");
    /** The same notes, each with its line's end, in a whole output. */
    private static final Pattern JVM_NOTICE_LINES = Pattern.compile("(?m)^" + JVM_NOTICE.pattern() + "\\R?");

    static String withoutJvmNotices(String text) {
        return text.contains("Picked up ") ? JVM_NOTICE_LINES.matcher(text).replaceAll("") : text;
    }

    /**
     * What a short command said, as {@link #run} runs it (10 s at most), or "" when it could not
     * start or did not end: for a question whose answer may be missing, such as a version.
     */
    public static String answerOrEmpty(String... command) {
        try {
            Said said = run(List.of(command), Duration.ofSeconds(10));
            return said.exit() == null ? "" : said.text();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
