# http-get: the MicroPython tutorial's http_get, byte for byte, to a dotted IP.
# (docs/esp8266/tutorial/network_tcp.rst). 192.168.4.1 is the lab's server.
import socket
def http_get(url):
    _, _, host, path = url.split('/', 3)
    addr = socket.getaddrinfo(host, 80)[0][-1]
    s = socket.socket()
    s.connect(addr)
    s.send(bytes('GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n' % (path, host), 'utf8'))
    while True:
        data = s.recv(100)
        if data:
            print(str(data, 'utf8'), end='')
        else:
            break
    s.close()

http_get('http://192.168.4.1/hello.txt')
