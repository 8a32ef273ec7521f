package lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Chromium as the kit runs it, headless: it prints the handout's PDFs, and the tests open pages and the real clients' URLs with it. */
public final class Chromium {
    private Chromium() {}

    /**
     * Whether {@code program} is a snap's (Ubuntu's Chromium): it sees a /tmp of its own, not the files we write
     * there. Ubuntu's /snap/bin/chromium is a link to snapd's launcher, and its /usr/bin/chromium-browser a short
     * script that starts the snap: both are.
     */
    public static boolean inSnap(Path program) {
        if (program.startsWith("/snap")) return true; // /snap/bin/chromium, a link to snapd's own /usr/bin/snap
        try {
            Path real = program.toRealPath();
            if (real.startsWith("/snap") || real.getFileName().toString().equals("snap")) return true;
            if (Files.size(program) > 64 * 1024) return false; // a browser itself, not a script
            String text = new String(Files.readAllBytes(program), java.nio.charset.StandardCharsets.ISO_8859_1);
            return text.startsWith("#!") && text.contains("/snap/");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A Chromium that can open the kit's files in /tmp, as {@link #headless} runs it: the first that is not a
     * snap's, so Google Chrome's package serves where Ubuntu's snap comes first on the PATH.
     */
    public static Optional<Path> usable() {
        return ClientsHere.everyOne("chromium").filter(p -> !inSnap(p)).findFirst();
    }

    /**
     * Chromium headless as the kit runs it, then {@code then} (what to do with which page):
     * off the network and quick, as root too (FIELD-NOTES §9), writing only into {@code folder}.
     * Its temporary files, crash database and dconf ignore --user-data-dir, so env points them
     * there too: a killed Chromium leaves nothing in /tmp, and nothing is written in the home
     * folder. Its socket goes into TMPDIR, and a socket's path has at most 107 bytes, so a
     * {@code folder} over 60 leaves TMPDIR as it is.
     */
    public static List<String> headless(Path chromium, Path folder, List<String> then) throws IOException {
        List<String> command = new ArrayList<>(List.of("env"));
        if (folder.toAbsolutePath().toString().length() <= 60) command.add("TMPDIR=" + Files.createDirectories(folder));
        for (String name : List.of("XDG_CONFIG_HOME", "XDG_CACHE_HOME")) {
            command.add(name + "=" + Files.createDirectories(folder.resolve(name.toLowerCase(Locale.ROOT))));
        }
        command.addAll(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-proxy-server", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + folder.resolve("profile")));
        command.addAll(then);
        return command;
    }
}
