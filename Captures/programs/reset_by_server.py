# reset-by-server: the server reads the request and then aborts the
# connection with RST instead of answering. recv() raises ECONNRESET (104).
import socket
addr = socket.getaddrinfo('192.168.4.1', 81)[0][-1]
s = socket.socket()
s.connect(addr)
s.send(b'GET / HTTP/1.0\r\nHost: 192.168.4.1\r\n\r\n')
try:
    while True:
        data = s.recv(100)
        if not data:
            break
        print(data)
except OSError as e:
    print('recv failed:', e)
s.close()
