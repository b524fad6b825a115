# lossy: the tutorial's http_get on a path that loses packets (the lab drops
# a share of TCP segments at random in the middle, like a weak Wi-Fi link).
# The program is unchanged; the capture shows retransmissions, duplicate
# ACKs and segments arriving after a gap.
import socket
def http_get(url):
    _, _, host, path = url.split('/', 3)
    addr = socket.getaddrinfo(host, 80)[0][-1]
    s = socket.socket()
    s.connect(addr)
    s.send(bytes('GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n' % (path, host), 'utf8'))
    n = 0
    while True:
        data = s.recv(100)
        if data:
            n += len(data)
        else:
            break
    s.close()
    print('received', n, 'bytes')

http_get('http://192.168.4.1/bytes/16000')
