# board-closes-unread: request a 6000-byte page, read only the first 100
# bytes, then close. Data the program never read is still queued, so the
# board's stack answers close() with RST instead of FIN.
import socket
import time
addr = socket.getaddrinfo('192.168.4.1', 80)[0][-1]
s = socket.socket()
s.connect(addr)
s.send(b'GET /bytes/6000 HTTP/1.0\r\nHost: 192.168.4.1\r\n\r\n')
print(s.recv(100))
time.sleep(0.5)   # busy with something else; more data arrives meanwhile
s.close()
