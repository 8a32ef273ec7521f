// Your turn: the order a default Java program lists these addresses in.
List<InetAddress> javaOrder(List<InetAddress> addresses) {
    List<InetAddress> ordered = new ArrayList<>();
    for (InetAddress a : addresses) if (a instanceof Inet4Address) ordered.add(a); // IPv4 first
    for (InetAddress a : addresses) if (a instanceof Inet6Address) ordered.add(a); // then IPv6
    return ordered;
}
