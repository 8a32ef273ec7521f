// Your turn: hold `held` on port, then try `other` on the same port; true if it bound too.
// Close both sockets before you return.
boolean canBindBeside(String held, String other, int port) throws IOException {
    try (ServerSocket first = new ServerSocket(); ServerSocket second = new ServerSocket()) {
        first.bind(new InetSocketAddress(held, port));       // the server already there
        try {
            second.bind(new InetSocketAddress(other, port));
            return true;
        } catch (BindException clash) {
            return false;                                    // the kernel refused: they clash
        }
    }                                                        // the try closes both, either way
}
