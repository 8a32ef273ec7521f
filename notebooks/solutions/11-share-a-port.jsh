// Your turn: bind n sockets on one address and port; each sets SO_REUSEPORT before bind.
List<ServerSocket> shareOnePort(InetAddress address, int port, int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
        ServerSocket socket = new ServerSocket();
        socket.setOption(StandardSocketOptions.SO_REUSEPORT, true); // before bind, on every one
        socket.bind(new InetSocketAddress(address, port));
        sockets.add(socket);
    }
    return sockets;
}
