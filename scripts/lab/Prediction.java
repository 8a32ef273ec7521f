package lab;

import java.util.Locale;

/**
 * Predict, then see. A cell tagged "prediction" holds the learner's guess in a
 * string; after the reveal, {@link #compare} sets it beside what happened.
 */
public final class Prediction {
    private Prediction() {}

    /** How a learner who wrote no guess can try: in Jupyter, by running cells again; in the terminal player, with --step. */
    private static String howToGuess = "run the guess cell with yours, then this one, not the cells between";

    /** In the terminal player: a guess is typed at --step's prompt. */
    public static void askForGuessesInTheTerminal() {
        howToGuess = "play the notebook with " + Tools.jbang() + " play@catalog --step, which asks for yours";
    }

    /**
     * Prints one line: ✓ when the guess matches what happened, else what
     * happened and {@code why}. An empty guess is not wrong, only unmade.
     * Addresses match with or without brackets and port ("fe80::1" matches
     * "[fe80::1]:3000"), and so does a guess whose port alone differs (the session's, when 3000 was taken);
     * yes and no match y and n; case and spaces do not count.
     * {@code happened} null: this machine could not show it, so the guess is not judged.
     */
    public static void compare(String guess, Object happened, String why) {
        System.out.println(verdict(guess, happened, why));
    }

    /** The line {@link #compare} prints. */
    public static String verdict(String guess, Object happened, String why) {
        if (happened == null) return "→ this machine cannot show it. " + why
                + (guess == null || guess.isBlank() ? "" : " You predicted " + guess.strip() + ".");
        String actual = String.valueOf(happened);
        if (guess == null || guess.isBlank()) return "→ it is " + actual + " (no prediction written: to try, " + howToGuess + "). " + why;
        if (matches(guess, actual)) return "✓ you predicted " + guess.strip() + ", and it is " + actual;
        return "≠ you predicted " + guess.strip() + ", but it is " + actual + ". " + why;
    }

    static boolean matches(String guess, String actual) {
        // fe80::1%lo0, as /etc/hosts writes it: the zone goes, before a bracket, a port, the end or closing punctuation.
        String zoneless = guess.strip().replaceAll("%[A-Za-z0-9]+(?=[\\]\\s\"'.!]|:\\d+|$)", "");
        String g = plain(zoneless), a = plain(actual);
        if (g.equals(a)) return true;
        boolean actualHasPort = hasPort(actual);
        if (actualHasPort && g.equals(withoutPort(actual))) return true;
        // Only the port differs: the session's port, when 3000 was taken, and the lesson is the address.
        if (actualHasPort && hasPort(zoneless) && withoutPort(zoneless).equals(withoutPort(actual))) return true;
        return (g.equals("y") && a.equals("yes")) || (g.equals("n") && a.equals("no"));
    }

    /** Whether {@code address} is written with a port: "[::1]:3000" or "127.0.0.1:3000". */
    private static boolean hasPort(String address) {
        return address.strip().matches(".*\\]:\\d+|[\\d.]+:\\d+");
    }

    /** "[fe80::1]:3000" → "fe80::1"; "127.0.0.1:3000" → "127.0.0.1". */
    private static String withoutPort(String address) {
        String text = address.strip();
        int colon = text.lastIndexOf(':');
        return plain(text.substring(0, colon));
    }

    private static String plain(String text) {
        return text.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s\\[\\]\"'.!]+$", "").replaceAll("[\\s\\[\\]\"']", "");
    }
}
