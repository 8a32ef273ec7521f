package lab;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * The player's cells, run one after another on a thread of their own ("cells"), while the
 * player's thread compiles the next ones. JShell hands each snippet's run to {@link Engine},
 * which queues it here; every other step that must keep the notebook's order (printing a
 * result, a check) is queued here too. Only the player's thread queues.
 */
final class InOrder {
    private final ExecutorService runner = Executors.newSingleThreadExecutor(run -> {
        Thread cells = new Thread(run, "cells");
        cells.setDaemon(true); // a player that ends, or fails, is not held by it
        return cells;
    });
    private Future<?> last = CompletableFuture.completedFuture(null);
    /** A queued step's own failure (not a snippet's), thrown by the next {@link #await}. */
    private Throwable failed;
    // The current cell's exception and last value: written on the cells thread, read there or after a wait.
    private String raised;
    private String value;

    /** JShell's own prefix of the classes it wraps snippets in, which it removes from a value it shows. */
    private static final Pattern WRAPPER = Pattern.compile("(REPL\\.)?\\$JShell\\$\\w+[$.]?");

    void later(Runnable step) {
        last = runner.submit(() -> {
            try {
                step.run();
            } catch (RuntimeException | Error e) {
                if (failed == null) failed = e;
            }
        });
    }

    /** Waits for every step queued so far, and throws what a step threw (a snippet's exception is {@link #raised}). */
    void await() {
        waitForTurn();
        Throwable failure = failed;
        failed = null;
        if (failure instanceof Error error) throw error;
        if (failure != null) throw (RuntimeException) failure;
    }

    /** Waits even if interrupted (JShell must not drop or close what a cell still uses), and says so after. */
    private void waitForTurn() {
        boolean interrupted = false;
        while (true) {
            try {
                last.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break; // later() keeps what a step throws for await()
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** Ends the cells thread once what is queued has run. */
    void close() {
        runner.shutdown();
    }

    void newCell() {
        raised = null;
        value = null;
    }

    String raised() {
        return raised;
    }

    /** The value of the cell's last snippet, as JShell shows it, if it ran and has one. */
    Optional<String> value() {
        if (raised != null || value == null || value.isEmpty()) return Optional.empty();
        return Optional.of(String.join("", WRAPPER.split(value)));
    }

    private interface Invocation {
        String invoke() throws ExecutionControl.ExecutionControlException;
    }

    /** Runs a snippet unless its cell raised already: as on a kernel, a cell stops at its first exception. */
    private void run(Invocation snippet) {
        if (raised == null) value = attempt(snippet);
    }

    /** Loads a snippet's classes even after an exception: once it compiled, JShell counts them as loaded. */
    private void load(Invocation classes) {
        attempt(classes);
    }

    private String attempt(Invocation step) {
        try {
            return step.invoke();
        } catch (ExecutionControl.UserException e) {
            if (raised == null) raised = e.causeExceptionClass() + ": " + e.getMessage();
        } catch (ExecutionControl.ResolutionException e) {
            if (raised == null) raised = "jdk.jshell.UnresolvedReferenceException: it uses a declaration that does not compile"
                    + " (JShell's snippet " + e.id() + ")";
        } catch (ExecutionControl.ExecutionControlException e) {
            if (raised == null) raised = e.toString();
        }
        return null;
    }

    /**
     * Each snippet runs on the cells thread and joins nothing. JShell's "local" engine runs each
     * snippet on a new thread, then joins every thread of that snippet's group alive at that
     * moment: on a loaded machine a cell that starts a server can create the server's reader
     * threads first, and the cell then waits for the server to end. The lab hung so.
     */
    static final class Engine implements ExecutionControlProvider {
        private final InOrder cells;

        Engine(InOrder cells) {
            this.cells = cells;
        }

        @Override
        public String name() {
            return "in-order";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return new Control(cells);
        }
    }

    /**
     * Loading a snippet's classes and running it are queued and return at once; reading a variable
     * waits for them. (Redefining, which the direct engine refuses at once, makes JShell load anew.)
     */
    private static final class Control extends DirectExecutionControl {
        private final InOrder cells;

        Control(InOrder cells) {
            this.cells = cells;
        }

        @Override
        public String invoke(String className, String methodName) {
            cells.later(() -> cells.run(() -> super.invoke(className, methodName)));
            return ""; // the value reaches the player through value()
        }

        @Override
        public void load(ClassBytecodes[] classes) {
            cells.later(() -> cells.load(() -> {
                super.load(classes);
                return null;
            }));
        }

        @Override
        public String varValue(String className, String varName) throws RunException, EngineTerminationException, InternalException {
            cells.waitForTurn();
            return super.varValue(className, varName);
        }

        @Override
        public void addToClasspath(String path) throws EngineTerminationException, InternalException {
            cells.waitForTurn();
            super.addToClasspath(path);
        }
    }
}
