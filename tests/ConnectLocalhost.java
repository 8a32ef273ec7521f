package tests;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A Java client as an application writes it: {@code new Socket(HOST, PORT)}, which
 * resolves one address and never falls back. Sends an HTTP/1.0 request and prints the
 * reply; "refused: ..." and exit 3 when nothing answers. Run it with and without
 * -Djava.net.preferIPv6Addresses=system.
 */
public class ConnectLocalhost {
    public static void main(String... args) throws Exception {
        try (Socket socket = new Socket(args[0], Integer.parseInt(args[1]))) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: " + args[0] + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            System.out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            System.out.println("refused: " + e.getMessage());
            System.exit(3);
        }
    }
}
