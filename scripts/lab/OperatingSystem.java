package lab;

import java.util.Locale;

/**
 * Which kind of system the kit runs on, read once from {@code os.name}: the lessons part ways by it
 * (how to list listeners, whether sandboxes exist, which rule a wildcard bind follows).
 */
public enum OperatingSystem {
    LINUX, MACOS, BSD, WINDOWS, OTHER;

    private static final OperatingSystem HERE = of(System.getProperty("os.name", ""));

    /** This machine's. */
    public static OperatingSystem here() {
        return HERE;
    }

    /** The kind of an {@code os.name} such as "Linux", "Mac OS X", "FreeBSD" or "Windows 11", in any locale. */
    public static OperatingSystem of(String osName) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.contains("linux")) return LINUX;
        if (os.contains("mac") || os.contains("darwin")) return MACOS; // before "win": "darwin" holds it
        if (os.contains("bsd")) return BSD;
        if (os.startsWith("windows")) return WINDOWS;
        return OTHER;
    }
}
