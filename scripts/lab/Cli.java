package lab;

import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

import picocli.CommandLine;

/**
 * The kit's command-line rules, shared by every tool: bad input gets one
 * clear line and never a stack trace; exit 2 means "the command line is
 * wrong", exit 1 means "it was right, but it did not work" ({@link Failure}).
 * What every tool does before its story is done here, once: its lifeline (a
 * SIGKILLed make or terminal takes it along), checks picocli cannot make,
 * --sandbox (which may run the tool elsewhere), then --hosts-file.
 */
public final class Cli {
    public static final int OK = 0;

    private Cli() {}

    /** The tool running in this JVM and its arguments as given: what --sandbox runs again inside. */
    public record Invocation(String tool, List<String> args) {}

    /** A tool whose options need a check picocli cannot make: it runs before --sandbox, so bad input stays one line. */
    public interface Checked {
        void check();
    }

    /** A tool that ties itself to what started it (pong: once it listens, and not when the lab holds its stdin). */
    public interface OwnLifeline {}

    /** A mixin that may run the whole tool somewhere else (--sandbox): then its exit code, else empty. */
    public interface RunsElsewhere {
        OptionalInt runElsewhere(Invocation invocation, Path hostsFile);
    }

    private static Invocation invocation;

    /**
     * Parses and runs a picocli command, and returns the exit code for System.exit. A command
     * line that picocli parsed before for this build of the tool is bound without it
     * ({@link RememberedOptions}): the same fields, 100-200 ms sooner.
     */
    public static int run(Object command, String... args) {
        if (!(command instanceof OwnLifeline)) Lifelines.exitWithParent(null);
        invocation = new Invocation(command.getClass().getName(), List.of(args));
        if (command instanceof Callable<?> callable) {
            Optional<String> name = RememberedOptions.bind(command, args);
            if (name.isPresent()) return call(name.get(), callable);
        }
        CommandLine line = new CommandLine(command);
        String name = line.getCommandName();
        line.setExpandAtFiles(false); // "@FILE" is an argument as typed: picocli would read FILE (a device hung it) and echo its lines
        line.setParameterExceptionHandler((e, a) -> {
            System.err.println(name + ": " + oneLine(e.getMessage()) + " (see " + name + " --help)");
            return Failure.USAGE;
        });
        line.setExecutionExceptionHandler((e, l, parsed) -> exitCode(name, e));
        line.setExecutionStrategy(parsed -> {
            RememberedOptions.FromPicocli.remember(parsed.commandSpec());
            List<CommandLine> chosen = parsed.asCommandLineList();
            if (chosen.stream().noneMatch(c -> c.isUsageHelpRequested() || c.isVersionHelpRequested())) {
                try {
                    OptionalInt ranElsewhere = beforeCall(chosen.get(chosen.size() - 1).getCommand());
                    if (ranElsewhere.isPresent()) return ranElsewhere.getAsInt();
                } catch (Exception e) {
                    return exitCode(name, e);
                }
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        try {
            return line.execute(args);
        } catch (Error e) { // picocli passes on Errors; still one line
            return exitCode(name, e);
        }
    }

    private static int call(String name, Callable<?> command) {
        try {
            OptionalInt ranElsewhere = beforeCall(command);
            if (ranElsewhere.isPresent()) return ranElsewhere.getAsInt();
            return command.call() instanceof Integer code ? code : OK;
        } catch (Exception | Error e) {
            return exitCode(name, e);
        }
    }

    /**
     * What comes before every tool's story: its own checks, then --sandbox (the tool's exit
     * code when it ran inside the article's sandbox), then --hosts-file for this JVM.
     */
    private static OptionalInt beforeCall(Object tool) throws IllegalAccessException {
        if (tool instanceof Checked checked) checked.check();
        Path hostsFile = null;
        List<RunsElsewhere> elsewhere = new ArrayList<>();
        for (Field field : tool.getClass().getDeclaredFields()) {
            // By type, not by annotation: reading annotations would cost the picocli-free start its lead.
            if (field.getType() != Endpoint.class && !RunsElsewhere.class.isAssignableFrom(field.getType())) continue;
            field.setAccessible(true);
            Object mixin = field.get(tool);
            if (mixin instanceof Endpoint endpoint) hostsFile = endpoint.hostsFile;
            if (mixin instanceof RunsElsewhere runs) elsewhere.add(runs);
        }
        for (RunsElsewhere runs : elsewhere) {
            OptionalInt code = runs.runElsewhere(invocation, hostsFile);
            if (code.isPresent()) return code;
        }
        if (hostsFile != null) Resolving.useHostsFile(hostsFile);
        return OptionalInt.empty();
    }

    /** One line for what went wrong, and the exit code: the {@link Failure}'s own, else 1. */
    private static int exitCode(String name, Throwable e) {
        // What went wrong, not its wrapping: a file's error inside a stream, or a class's first use.
        while (e.getCause() != null && (e instanceof ExceptionInInitializerError
                || e instanceof UncheckedIOException && String.valueOf(e.getMessage()).equals(e.getCause().toString()))) e = e.getCause();
        if (e instanceof Failure f) {
            System.err.println(name + ": " + oneLine(f.getMessage()));
            return f.exitCode;
        }
        if (e instanceof FileSystemException file && file.getFile() != null) { // a folder not ours, a full disk: its path, and why
            System.err.println(name + ": " + oneLine(file.getFile() + ": " + whyNot(file)));
            return Failure.FAILED;
        }
        System.err.println(name + ": unexpected " + oneLine(e.toString()));
        return Failure.FAILED;
    }

    private static String whyNot(FileSystemException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or folder";
        if (e instanceof FileAlreadyExistsException) return "is there already";
        if (e instanceof NotDirectoryException) return "not a folder";
        return e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
    }

    /** A message on one line, whatever it quotes: a newline typed into an option shows as \n. */
    static String oneLine(String message) {
        return String.valueOf(message).replace("\r", "\\r").replace("\n", "\\n").replaceAll("[\\p{Cntrl}&&[^\t]]", "?");
    }

    /** Reads --port values, with a message that says what is wrong. */
    public static final class Port implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            try {
                return Resolving.port(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
