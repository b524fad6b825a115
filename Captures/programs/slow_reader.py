# slow-reader: request a 6000-byte page and read it slowly (100 bytes every
# 50 ms). The receive window fills up and the board advertises a zero
# window; the server has to wait and probe until the program catches up.
import socket
import time
addr = socket.getaddrinfo('192.168.4.1', 80)[0][-1]
s = socket.socket()
s.connect(addr)
s.send(b'GET /bytes/6000 HTTP/1.0\r\nHost: 192.168.4.1\r\n\r\n')
n = 0
while True:
    data = s.recv(100)
    if not data:
        break
    n += len(data)
    time.sleep(0.05)
print('read', n, 'bytes')
s.close()
