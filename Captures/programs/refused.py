# refused: connect to a port where nothing listens. The server answers the SYN
# with RST/ACK. (On the ESP8266 this raises OSError 104 ECONNRESET; CPython
# says 111 ECONNREFUSED.)
import socket
addr = socket.getaddrinfo('192.168.4.1', 8080)[0][-1]
s = socket.socket()
try:
    s.connect(addr)
except OSError as e:
    print('connect failed:', e)
s.close()
