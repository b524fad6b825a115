# chunked: an HTTP/1.1 request (with Connection: close, so it does not hang).
# The server answers in chunks (a chunked transfer-encoding); the body arrives as
# hex size lines + data + CRLF, ending with a 0 chunk. A plain recv() loop
# prints the size lines as if they were part of the page.
import socket
addr = socket.getaddrinfo('192.168.4.1', 80)[0][-1]
s = socket.socket()
s.connect(addr)
s.send(b'GET /chunked HTTP/1.1\r\nHost: 192.168.4.1\r\nConnection: close\r\n\r\n')
while True:
    data = s.recv(100)
    if data:
        print(str(data, 'utf8'), end='')
    else:
        break
s.close()
