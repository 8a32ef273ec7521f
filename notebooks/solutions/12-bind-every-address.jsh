// Your turn: bind every address; if one is taken, close what you opened and throw.
List<ServerSocket> bindEvery(List<InetAddress> addresses, int port) throws IOException {
    List<ServerSocket> opened = new ArrayList<>();
    try {
        for (InetAddress address : addresses) {
            ServerSocket socket = new ServerSocket();
            opened.add(socket);                    // closed below too if its bind fails
            socket.bind(new InetSocketAddress(address, port));
        }
        return opened;
    } catch (IOException e) {
        for (ServerSocket socket : opened) socket.close(); // all or nothing
        throw e;
    }
}
