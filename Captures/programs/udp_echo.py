# udp-echo: three datagrams to a UDP echo server, each answered.
# No handshake, no connection: one datagram per sendto().
import socket
addr = socket.getaddrinfo('192.168.4.1', 7)[0][-1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(3):
    s.sendto(b'ping %d' % i, addr)
    data, peer = s.recvfrom(100)
    print('reply from', peer, data)
s.close()
