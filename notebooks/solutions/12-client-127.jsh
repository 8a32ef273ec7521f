// Your turn: connect to the server on 127.0.0.1, whatever order the resolver gave.
Socket connectTo127(List<InetAddress> resolved, int port) throws IOException {
    return new Socket("127.0.0.1", port); // the article's advice: name the address
}
