// Your turn: connect to address:port, read the whole reply, return it without the newline.
String ask(InetAddress address, int port) throws IOException {
    try (Socket socket = new Socket(address, port)) { // nothing listens: ConnectException
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
