package tests;

import java.util.function.Supplier;

/**
 * A run that several tests share, made by whichever asks first; one that failed fails each of them
 * with its own error (a class initialiser would fail the rest with NoClassDefFoundError).
 */
public final class Once<T> {
    private final Supplier<T> make;
    private T value;
    private RuntimeException failed;
    private Error error;

    public Once(Supplier<T> make) {
        this.make = make;
    }

    public synchronized T get() {
        if (value == null && failed == null && error == null) {
            try {
                value = make.get();
            } catch (RuntimeException e) {
                failed = e;
            } catch (Error e) {
                error = e;
            }
        }
        if (failed != null) throw failed;
        if (error != null) throw error;
        return value;
    }
}
