# The reference for "what libc programs see": glibc's getaddrinfo with flags=0
# (getent ahosts adds AI_ADDRCONFIG, which can hide addresses), each address once,
# in the order glibc returns them.
import socket
import sys

seen = dict.fromkeys(info[4][0] for info in socket.getaddrinfo(sys.argv[1], None, 0, socket.SOCK_STREAM))
print("\n".join(seen))
