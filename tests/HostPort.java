package tests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import lab.Listeners;

/**
 * The lab's port on the host's loopback, held by a test on 127.0.0.1 and ::1 while the lab runs in
 * a sandbox: a kernel or server on the host would find it taken. A watcher notes any other listener
 * on it meanwhile.
 */
public final class HostPort implements AutoCloseable {
    private final List<ServerSocket> held = new ArrayList<>();
    private final Set<String> others = ConcurrentHashMap.newKeySet();
    private final Thread watcher;
    private final CountDownLatch closing = new CountDownLatch(1);

    public HostPort(int port) throws IOException {
        for (String address : List.of("127.0.0.1", "::1")) {
            ServerSocket socket = new ServerSocket();
            socket.bind(new InetSocketAddress(address, port));
            held.add(socket);
        }
        // Ours are the two addresses held here, whichever process Listeners names for them: a child that this JVM
        // starts holds all its sockets between its fork and its exec (a CI run saw `env` hold them), and nobody
        // else can bind 127.0.0.1 or ::1 on this port while these hold it. Anything else on the port is another's.
        Set<java.net.InetAddress> ours = held.stream().map(ServerSocket::getInetAddress).collect(Collectors.toSet());
        watcher = new Thread(() -> {
            // Twice a second: a server lives for seconds, and each look walks the kernel's table of connections.
            do {
                Listeners.onPort(port).stream().filter(l -> !ours.contains(l.address())).forEach(l -> others.add(l.toString()));
            } while (!closed(Duration.ofMillis(500)));
        }, "host watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Whether close() came within {@code wait}. */
    private boolean closed(Duration wait) {
        try {
            return closing.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    public List<String> others() {
        return List.copyOf(others);
    }

    @Override
    public void close() throws Exception {
        closing.countDown();
        watcher.join();
        for (ServerSocket socket : held) socket.close();
    }
}
