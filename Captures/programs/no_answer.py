# no-answer: connect to a host that drops the SYN (firewall, server down).
# The SYN is retransmitted until the timeout expires. (On the ESP8266 without
# settimeout: 7 SYNs about 1 s apart, then OSError 103 ECONNABORTED.)
import socket
addr = socket.getaddrinfo('192.168.4.1', 8081)[0][-1]
s = socket.socket()
s.settimeout(6)
try:
    s.connect(addr)
except OSError as e:
    print('connect failed:', e)
s.close()
