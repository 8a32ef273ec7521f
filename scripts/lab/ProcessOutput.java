package lab;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

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
}
