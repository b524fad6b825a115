# keep-alive-hang: the tutorial's http_get with HTTP/1.1 instead of HTTP/1.0.
# An HTTP/1.1 server keeps the connection open after the response, so the
# recv() loop only ends when the server's idle timeout closes the connection
# (on many servers: never, or after minutes; the lab server waits 3 s).
import socket
def http_get(url):
    _, _, host, path = url.split('/', 3)
    addr = socket.getaddrinfo(host, 80)[0][-1]
    s = socket.socket()
    s.connect(addr)
    s.send(bytes('GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n' % (path, host), 'utf8'))
    while True:
        data = s.recv(100)
        if data:
            print(str(data, 'utf8'), end='')
        else:
            break
    s.close()

http_get('http://192.168.4.1/hello.txt')
