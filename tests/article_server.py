# The article's server, `TCPServer.new("localhost", port)` in Crystal, stood in for
# by Python: both ask libc's getaddrinfo and bind the first address that is free,
# so this is the reference that pong must match under the same /etc/hosts.
import os
import socket
import sys
import threading

host, port = sys.argv[1], int(sys.argv[2])
server = None
for family, kind, proto, _, address in socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM):
    candidate = socket.socket(family, kind, proto)
    candidate.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Crystal does; not SO_REUSEPORT
    try:
        candidate.bind(address)
        candidate.listen()
        server = candidate
        break
    except OSError:
        candidate.close()
if server is None:
    print("bind: Address already in use", file=sys.stderr)
    sys.exit(1)
ip = server.getsockname()[0].split("%")[0]
print("Listen on " + (f"[{ip}]:{port}" if server.family == socket.AF_INET6 else f"{ip}:{port}"), flush=True)
# The test holds our stdin: exit when it goes away.
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
reply = f"pong from {ip if server.family == socket.AF_INET else f'[{ip}]'}:{port}\n".encode()
while True:
    client, _ = server.accept()
    client.sendall(reply)
    client.close()
