package lab;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Byte relays between TCP ports and Unix domain sockets, for the kernel in article
 * mode (see {@link ArticleKernel}). A Unix socket is a file: it ignores network
 * namespaces, so it carries a connection from the host's loopback into a sandbox's.
 * ZMQ, which Jupyter speaks, is plain TCP streams: copying bytes both ways is enough.
 */
final class Relay {
    /** How long a new connection waits for the other side to listen: the kernel takes seconds to start. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private Relay() {}

    /**
     * Accepts connections on {@code server} until it is closed, each on a daemon
     * thread, and joins each to a new connection to {@code target}.
     */
    static void serve(ServerSocketChannel server, SocketAddress target, String name) {
        daemon(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel client = server.accept();
                    daemon(() -> join(client, target), "relay " + name).start();
                } catch (IOException e) {
                    return; // closed: we are leaving
                }
            }
        }, "accept " + name).start();
    }

    /** Connects to {@code target}, then copies both ways; when either side ends, both close. */
    private static void join(SocketChannel client, SocketAddress target) {
        SocketChannel other = connect(target);
        if (other == null) {
            close(client);
            return;
        }
        daemon(() -> copy(other, client), "relay back").start();
        copy(client, other);
    }

    /** A connection to {@code target} once it listens, or null after {@link #PATIENCE}. */
    private static SocketChannel connect(SocketAddress target) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                SocketChannel channel = target instanceof UnixDomainSocketAddress
                        ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
                try {
                    channel.connect(target);
                    return channel;
                } catch (IOException notYet) {
                    channel.close();
                    if (System.nanoTime() > deadline) return null;
                }
                Thread.sleep(50);
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) to.write(buffer);
                buffer.clear();
            }
        } catch (IOException e) {
            // one side went away: close both below
        }
        close(from);
        close(to);
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closed already
        }
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
