package lab;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine;

/**
 * The kit's command-line rules, shared by every script: bad input gets one
 * clear line and never a stack trace; exit 2 means "the command line is
 * wrong", exit 1 means "it was right, but it did not work".
 */
public final class Cli {
    public static final int OK = 0;
    public static final int FAILED = Failure.FAILED;
    public static final int USAGE = Failure.USAGE;

    private Cli() {}

    /** The tool running in this JVM and its arguments as given: what --sandbox runs again inside. */
    public record Invocation(String tool, List<String> args) {}

    private static Invocation invocation;

    public static Invocation invocation() {
        return invocation;
    }

    /**
     * Parses and runs a picocli command, and returns the exit code for System.exit. A command
     * line that picocli parsed before for this build of the tool is bound without it
     * ({@link RememberedOptions}): the same fields, 100-200 ms sooner.
     */
    public static int run(Object command, String... args) {
        invocation = new Invocation(command.getClass().getName(), List.of(args));
        if (command instanceof Callable<?> callable) {
            Optional<String> name = RememberedOptions.bind(command, args);
            if (name.isPresent()) return call(name.get(), callable);
        }
        CommandLine line = new CommandLine(command);
        String name = line.getCommandName();
        line.setParameterExceptionHandler((e, a) -> {
            System.err.println(name + ": " + e.getMessage() + " (see " + name + " --help)");
            return USAGE;
        });
        line.setExecutionExceptionHandler((e, l, parsed) -> exitCode(name, e));
        line.setExecutionStrategy(parsed -> {
            RememberedOptions.remember(parsed.commandSpec());
            return new CommandLine.RunLast().execute(parsed);
        });
        return line.execute(args);
    }

    private static int call(String name, Callable<?> command) {
        try {
            return command.call() instanceof Integer code ? code : OK;
        } catch (Exception e) {
            return exitCode(name, e);
        }
    }

    /** One line for what went wrong, and the exit code: the {@link Failure}'s own, else 1. */
    private static int exitCode(String name, Exception e) {
        if (e instanceof Failure f) {
            System.err.println(name + ": " + f.getMessage());
            return f.exitCode;
        }
        System.err.println(name + ": unexpected " + e);
        return FAILED;
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
