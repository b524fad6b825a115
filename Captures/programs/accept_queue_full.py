# accept-queue-full: a server with listen(1) that is busy for 2 s before it
# calls accept(). Four clients connect at once; only the backlog's worth are
# queued. The others complete the handshake and then get RST from the board
# (lwIP: tcp_abort when its accept queue is full).
import socket
import time
addr = socket.getaddrinfo('0.0.0.0', 80)[0][-1]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(addr)
s.listen(1)
print('listening on', addr)
time.sleep(2)     # busy: nobody calls accept()
s.settimeout(1)
while True:
    try:
        cl, peer = s.accept()
    except OSError:
        break
    print('client connected from', peer)
    cl.settimeout(1)
    try:
        cl.recv(100)
        cl.send(b'HTTP/1.0 200 OK\r\n\r\nhello\n')
    except OSError as e:
        print('client error:', e)
    cl.close()
s.close()
