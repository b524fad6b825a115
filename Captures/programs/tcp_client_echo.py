# tcp-client-echo: connect to a TCP echo server, send three lines, read each
# echo back, then close (the board sends FIN first).
import socket
addr = socket.getaddrinfo('192.168.4.1', 7)[0][-1]
s = socket.socket()
s.connect(addr)
for line in (b'hello\n', b'from the\n', b'board\n'):
    s.send(line)
    print('echo:', s.recv(100))
s.close()
