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
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private Cli() {}

    /** A failure the user can act on; {@link #run} prints its message as one line. */
    public static final class Failure extends RuntimeException {
        public final int exitCode;

        private Failure(int exitCode, String message) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }
    }

    public static Failure usage(String message) {
        return new Failure(USAGE, message);
    }

    public static Failure failed(String message) {
        return new Failure(FAILED, message);
    }

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

    /** One line for what went wrong, and the exit code: the Failure's own, else 1. */
    private static int exitCode(String name, Exception e) {
        if (e instanceof Failure f) {
            System.err.println(name + ": " + f.getMessage());
            return f.exitCode;
        }
        System.err.println(name + ": unexpected " + e);
        return FAILED;
    }

    /**
     * How to run JBang here, for a hint the learner can paste: "jbang" where it
     * is installed, else the kit's own launcher, run from the repo's root.
     */
    public static String jbang() {
        return Tools.find("jbang").isPresent() ? "jbang" : "./jbang";
    }

    /** A port number from 1 to 65535, or an IllegalArgumentException that says what is wrong with {@code text}. */
    public static int port(String text) {
        int port;
        try {
            port = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a port number (1-65535)");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException(port + " is out of range (1-65535)");
        return port;
    }

    /** Reads --port values, with a message that says what is wrong. */
    public static final class Port implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            try {
                return port(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
