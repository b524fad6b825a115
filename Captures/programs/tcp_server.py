# tcp-server: the tutorial's web server (docs/esp8266/tutorial/network_tcp.rst)
# without the pins: bind, listen, accept, read the request headers, answer,
# close (the board sends FIN first). Serves 2 clients, then stops.
import socket

html = """<!DOCTYPE html>
<html>
    <head> <title>ESP8266 Pins</title> </head>
    <body> <h1>ESP8266 Pins</h1>
        <table border="1"> <tr><th>Pin</th><th>Value</th></tr> %s </table>
    </body>
</html>
"""

addr = socket.getaddrinfo('0.0.0.0', 80)[0][-1]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(addr)
s.listen(1)
print('listening on', addr)

for _ in range(2):
    cl, addr = s.accept()
    print('client connected from', addr)
    cl_file = cl.makefile('rwb', 0)
    while True:
        line = cl_file.readline()
        if not line or line == b'\r\n':
            break
    rows = ['<tr><td>%s</td><td>%d</td></tr>' % (p, v) for p, v in (('Pin(0)', 1), ('Pin(2)', 0))]
    response = html % '\n'.join(rows)
    cl.send(b'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n')
    cl.send(response.encode())
    cl.close()
s.close()
