package tests;

import java.nio.file.Path;
import java.util.List;

import tests.Run.Result;

import static tests.Run.exec;
import static tests.TempFiles.readableByAll;

/**
 * The real `make bundle`, made once per run for every test that unpacks it (BundleTest,
 * SharedMachineTest): making it starts a dozen JBang JVMs, and one archive serves them all.
 */
final class MadeBundle {
    private MadeBundle() {}

    /** What `make bundle` said, and its archive, in a folder every user can read. */
    record Made(Result result, Path archive) {}

    private static final Once<Made> MADE = new Once<>(() -> {
        Path archive = readableByAll().resolve("kit.tar.gz");
        return new Made(exec(List.of("make", "bundle", "BUNDLE=" + archive)), archive);
    });

    static Made get() {
        return MADE.get();
    }
}
