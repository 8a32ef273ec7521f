"""A listener that names itself, for the tests against real clients.

    python3 tests/named_listener.py ADDRESS PORT [--v6only]

Binds ADDRESS:PORT (127.0.0.1, ::1, 0.0.0.0, ::, fe80::1%lo), prints "Listen on NAME (pid N)"
(NAME as the kit formats it: 127.0.0.1:3000, [::1]:3000, [fe80::1]:3000), and answers every
connection with an HTTP/1.0 page whose body is "listener NAME": nc, curl, Node, Python,
Chromium and a Java socket all show which listener answered. [::] is dual-stack unless
--v6only. Exits when stdin closes, so it dies with the test that started it.
"""
import os
import socket
import sys
import threading

address, port = sys.argv[1], int(sys.argv[2])
v6only = "--v6only" in sys.argv[3:]
family, kind, proto, _, where = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM,
                                                   flags=socket.AI_NUMERICHOST)[0]
bare = address.split("%")[0]
name = ("[%s]:%d" if family == socket.AF_INET6 else "%s:%d") % (bare, port)
page = ("<html><body><p>listener %s</p></body></html>\n" % name).encode()
reply = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(page) + page

server = socket.socket(family, kind, proto)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Java's ServerSocket does
if family == socket.AF_INET6:
    server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if v6only else 0)
server.bind(where)
server.listen(16)


def answer(connection):
    # Read the request first (HTTP clients send it at once); nc sends none, so wait only briefly.
    # Reading it all before closing avoids a reset that could eat the reply.
    with connection:
        connection.settimeout(0.3)
        request = b""
        try:
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                request += chunk
        except OSError:
            pass
        try:
            connection.settimeout(2)
            connection.sendall(reply)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve():
    while True:
        connection, _ = server.accept()
        threading.Thread(target=answer, args=(connection,), daemon=True).start()


threading.Thread(target=serve, daemon=True).start()
print("Listen on %s (pid %d)" % (name, os.getpid()), flush=True)
sys.stdin.buffer.read()  # the parent holds the other end: EOF means it has gone
os._exit(0)
