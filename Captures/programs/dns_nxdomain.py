# dns-nxdomain: look up a name that does not exist. The DNS server answers
# NXDOMAIN; getaddrinfo raises OSError (-2 on the ESP8266). No TCP follows.
import socket
try:
    addr = socket.getaddrinfo('nosuch.lab', 80)[0][-1]
    print('resolved to', addr)
except OSError as e:
    print('getaddrinfo failed:', e)
