package lab;

/**
 * A failure the user can act on, with the exit code a tool ends with: {@link #usage} when the
 * command line (or a file it names) is wrong, {@link #failed} when it was right but did not work.
 * The CLI layer prints its message as one line, never a stack trace; a notebook
 * shows it as the cell's error.
 */
public final class Failure extends RuntimeException {
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    public final int exitCode;

    private Failure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public static Failure usage(String message) {
        return new Failure(USAGE, message);
    }

    public static Failure failed(String message) {
        return new Failure(FAILED, message);
    }
}
