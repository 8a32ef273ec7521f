// Your turn: the default table's precedence of an address (::1 50, IPv4 10, other IPv6 40).
int precedence(InetAddress address) {
    if (address instanceof Inet4Address) return 10;  // ::ffff:0:0/96
    return address.isLoopbackAddress() ? 50 : 40;    // ::1/128, else the catch-all ::/0
}
