package lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a socket error means, in any language. Java gives only the system's message, and the C
 * library translates it: a German Linux says "Die Adresse wird bereits verwendet". So the kinds the
 * kit tells apart are known by their English words, or else by this machine's own, asked once by
 * making that error on loopback.
 */
public final class SocketErrors {
    private SocketErrors() {}

    public enum Kind {
        IN_USE("Address already in use"),
        NOT_HERE("Cannot assign requested address"),
        REFUSED("Connection refused"),
        DENIED("Permission denied"),
        OTHER("");

        /** Linux's words (glibc's strerror in English). */
        public final String english;

        Kind(String english) {
            this.english = english;
        }
    }

    /** This machine's words for each kind, once asked; empty when the error could not be made here. */
    private static final Map<Kind, Optional<String>> LOCAL = new EnumMap<>(Kind.class);

    /** The kind of {@code e}, from its message. */
    public static Kind of(IOException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        for (Kind kind : Kind.values()) {
            if (kind != Kind.OTHER && message.startsWith(kind.english)) return kind;
        }
        for (Kind kind : Kind.values()) {
            if (kind != Kind.OTHER && local(kind).filter(message::startsWith).isPresent()) return kind;
        }
        return Kind.OTHER;
    }

    /** The message of {@code e}, in English when its kind is known: the kit speaks English, and its checks read these words. */
    public static String inEnglish(IOException e) {
        Kind kind = of(e);
        if (kind != Kind.OTHER) return kind.english;
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static synchronized Optional<String> local(Kind kind) {
        return LOCAL.computeIfAbsent(kind, SocketErrors::made);
    }

    /** The message of {@code kind}, made on this machine's loopback (or on an address no machine has, for NOT_HERE). */
    private static Optional<String> made(Kind kind) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket held = new ServerSocket(); ServerSocket second = new ServerSocket();
             Socket bound = new Socket(); Socket client = new Socket()) {
            held.bind(new InetSocketAddress(loopback, 0));
            bound.bind(new InetSocketAddress(loopback, 0)); // bound, never listening: a connection to it is refused
            try {
                switch (kind) {
                    case IN_USE -> second.bind(held.getLocalSocketAddress());
                    case NOT_HERE -> second.bind(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 0)); // TEST-NET-1, RFC 5737
                    case REFUSED -> client.connect(bound.getLocalSocketAddress(), 2000);
                    case DENIED -> second.bind(new InetSocketAddress(loopback, 1)); // refused to a user without root's rights
                    default -> { }
                }
                return Optional.empty(); // no such error here: root may bind port 1
            } catch (IOException e) {
                return Optional.ofNullable(e.getMessage()).filter(m -> !m.isBlank());
            }
        } catch (IOException e) {
            return Optional.empty(); // no loopback to ask: only the English words are known
        }
    }
}
