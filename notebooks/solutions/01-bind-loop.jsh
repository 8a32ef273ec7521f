// Your turn: try each address in order; return the first socket that binds.
ServerSocket bindFirstFree(List<InetAddress> addresses, int port) throws IOException {
    for (InetAddress address : addresses) {
        ServerSocket server = new ServerSocket(); // no SO_REUSEPORT: one listener per address
        try {
            server.bind(new InetSocketAddress(address, port));
            return server;                        // the first free address wins
        } catch (BindException taken) {
            server.close();                       // taken: try the next one
        }
    }
    throw new BindException("Address already in use");
}
