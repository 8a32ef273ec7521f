// Your turn: ONE listening socket on port that accepts connections to 127.0.0.1 and to ::1.
ServerSocket listenOnBothFamilies(int port) throws IOException {
    ServerSocket listener = new ServerSocket();
    // The wildcard: Java makes it a dual-stack [::] wherever IPv6 works (0.0.0.0 where it does not),
    // so IPv4 clients arrive as ::ffff:127.0.0.1 and IPv6 ones as ::1, on this one socket.
    listener.bind(new InetSocketAddress(port));
    return listener;
}
