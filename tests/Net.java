package tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import lab.Resolving;

/** A direct, one-address client for the tests: connect to "127.0.0.1:3000" or "[::1]:3000" and read the reply. */
final class Net {
    private Net() {}

    /** The same, from inside a sandbox's network namespace (its loopback is not ours). */
    static String askInside(lab.Sandbox box, String endpoint) {
        Run.Result r = Run.exec(box.inside(Scripts.tool("ping", "--host", hostOf(endpoint), "--port", endpoint.substring(endpoint.lastIndexOf(':') + 1))));
        return r.exit() == 0 ? r.out().strip() : "no reply: " + r.err();
    }

    private static String hostOf(String endpoint) {
        String host = endpoint.substring(0, endpoint.lastIndexOf(':'));
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    static String ask(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Resolving.literal(endpoint.substring(0, colon)), Integer.parseInt(endpoint.substring(colon + 1))), 5000);
            socket.setSoTimeout(5000);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
        } catch (IOException e) {
            throw new UncheckedIOException(endpoint + ": " + e.getMessage(), e);
        }
    }
}
