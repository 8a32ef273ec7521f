// Your turn: the address the next server binds, or "none" when all are taken.
String nextServerAddress(List<String> resolverOrder, Set<String> taken) {
    for (String address : resolverOrder) {
        if (!taken.contains(address)) return address; // the first free one, in resolver order
    }
    return "none";                                     // all taken: Address already in use
}
