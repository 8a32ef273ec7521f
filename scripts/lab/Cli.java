package lab;

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

    /** Parses and runs a picocli command, and returns the exit code for System.exit. */
    public static int run(Object command, String... args) {
        CommandLine line = new CommandLine(command);
        String name = line.getCommandName();
        line.setParameterExceptionHandler((e, a) -> {
            System.err.println(name + ": " + e.getMessage() + " (see " + name + " --help)");
            return USAGE;
        });
        line.setExecutionExceptionHandler((e, l, parsed) -> {
            if (e instanceof Failure f) {
                System.err.println(name + ": " + f.getMessage());
                return f.exitCode;
            }
            System.err.println(name + ": unexpected " + e);
            return FAILED;
        });
        return line.execute(args);
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
