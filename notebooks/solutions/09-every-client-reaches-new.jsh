// Your turn: stop the stale server, then bind the new one on every address; return its sockets.
List<ServerSocket> restart(ServerSocket stale, List<InetAddress> addresses, int port)
        throws IOException {
    stale.close();                                 // the forgotten one goes first: its address is free
    List<ServerSocket> opened = new ArrayList<>();
    try {
        for (InetAddress address : addresses) {    // then every address, not only the first free one
            ServerSocket socket = new ServerSocket();
            opened.add(socket);
            socket.bind(new InetSocketAddress(address, port));
        }
        return opened;
    } catch (IOException e) {
        for (ServerSocket socket : opened) socket.close();
        throw e;
    }
}
