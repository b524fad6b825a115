#!/usr/bin/env python3
"""Write Captures/http-get-synthetic.pcap: a SYNTHETIC capture.

Not recorded from a board or from the lab: every byte is built here, by hand,
to show the tutorial's http_get (MicroPython docs, esp8266 tutorial) as an
ESP8266 running MicroPython would put it on the wire, following what
docs/ESP8266.md (shared material) derives from the lwIP 1.4 source:

* the board: Espressif MAC 5c:cf:7f:a1:b2:c3, 192.168.4.2, IP TTL 255,
  DF clear, IP ID +1 per packet (one counter for all packets);
* its SYN: seq 6509 (first ISN after boot), window 2144, only the MSS option
  (536), source port below 32768;
* the request in one segment; the server's response in 536-byte segments;
  the board ACKs every second segment (and at once on FIN);
* HTTP/1.0: the server closes first (FIN), the board ACKs it, the recv loop
  sees b'' and close() sends the board's FIN, the server's final ACK.

The server side (192.168.4.1) is a Linux-like host (TTL 64, DF, window 64240)
sending the same response as the lab's server (lab/services.py), so this file
can be compared with the lab recording http-get.pcap.

Plain python3, no scapy: pcap bytes are written with struct, checksums are
computed. Deterministic: running it twice gives the same bytes.

Usage: make_synthetic.py [OUT]   (default: Captures/http-get-synthetic.pcap)
"""
import os
import struct
import sys

BOARD_MAC = bytes.fromhex("5ccf7fa1b2c3")
SERVER_MAC = bytes.fromhex("020000000401")
BOARD_IP = bytes([192, 168, 4, 2])
SERVER_IP = bytes([192, 168, 4, 1])
BOARD_PORT = 17185          # lwIP: random in 1024..32767
SERVER_PORT = 80
BOARD_ISN = 6509            # tcp_next_iss(): 6510 + ticks, SYN uses iss - 1 right after boot
SERVER_ISN = 0x5EED0000
BOARD_WND = 2144            # TCP_WND = 4 * 536
SERVER_WND = 64240
MSS = 536
T0 = 1767268800             # 2026-01-01 12:00:00 UTC, fixed


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def pattern(n):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += b"%04d the quick brown fox jumps over the lazy dog\n" % i
        i += 1
    return bytes(out[:n])


REQUEST = b"GET /hello.txt HTTP/1.0\r\nHost: 192.168.4.1\r\n\r\n"
BODY = pattern(1500)
RESPONSE = (b"HTTP/1.0 200 OK\r\nServer: socketscope-lab\r\nContent-Type: text/plain\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(BODY)) + BODY

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Host:
    def __init__(self, mac, ip, ttl, df, ip_id):
        self.mac, self.ip, self.ttl, self.df, self.ip_id = mac, ip, ttl, df, ip_id


board = Host(BOARD_MAC, BOARD_IP, 255, False, 1)
server = Host(SERVER_MAC, SERVER_IP, 64, True, 0x4D2E)


def tcp_frame(src, dst, sport, dport, seq, ack, flags, window, payload=b"", options=b""):
    hlen = 20 + len(options)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (hlen // 4) << 4, flags, window, 0, 0) + options + payload
    pseudo = src.ip + dst.ip + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), src.ip_id, 0x4000 if src.df else 0,
                     src.ttl, 6, 0, src.ip, dst.ip)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    src.ip_id = (src.ip_id + 1) & 0xFFFF
    return dst.mac + src.mac + b"\x08\x00" + ip + tcp


def arp_frame(src_mac, src_ip, dst_mac, target_mac, target_ip, op):
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, src_mac, src_ip, target_mac, target_ip)
    return dst_mac + src_mac + b"\x08\x06" + arp


def frames():
    """(microseconds since T0, frame bytes) for the whole exchange."""
    t = 0
    out = []

    def emit(dt_us, frame):
        nonlocal t
        t += dt_us
        out.append((t, frame))

    b_seq, s_seq = BOARD_ISN, SERVER_ISN
    # the board does not know the server's MAC yet
    emit(0, arp_frame(BOARD_MAC, BOARD_IP, b"\xff" * 6, b"\0" * 6, SERVER_IP, 1))
    emit(2800, arp_frame(SERVER_MAC, SERVER_IP, BOARD_MAC, BOARD_MAC, BOARD_IP, 2))
    # connect(): SYN with only the MSS option
    emit(900, tcp_frame(board, server, BOARD_PORT, SERVER_PORT, b_seq, 0, SYN, BOARD_WND,
                        options=struct.pack("!BBH", 2, 4, MSS)))
    b_seq += 1
    emit(3100, tcp_frame(server, board, SERVER_PORT, BOARD_PORT, s_seq, b_seq, SYN | ACK, SERVER_WND,
                         options=struct.pack("!BBH", 2, 4, 1460)))
    s_seq += 1
    emit(700, tcp_frame(board, server, BOARD_PORT, SERVER_PORT, b_seq, s_seq, ACK, BOARD_WND))
    # send(): the whole request in one segment
    emit(1200, tcp_frame(board, server, BOARD_PORT, SERVER_PORT, b_seq, s_seq, PSH | ACK, BOARD_WND, REQUEST))
    b_seq += len(REQUEST)
    emit(2900, tcp_frame(server, board, SERVER_PORT, BOARD_PORT, s_seq, b_seq, ACK, SERVER_WND - len(REQUEST)))
    # the response: 536-byte segments, the board ACKs every second one
    segs = [RESPONSE[i:i + MSS] for i in range(0, len(RESPONSE), MSS)]
    swnd = SERVER_WND - len(REQUEST)
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        emit(600 if i else 1500, tcp_frame(server, board, SERVER_PORT, BOARD_PORT, s_seq, b_seq,
                                           ACK | (PSH if last else 0), swnd, seg))
        s_seq += len(seg)
        if i % 2 == 1:
            emit(1800, tcp_frame(board, server, BOARD_PORT, SERVER_PORT, b_seq, s_seq, ACK, BOARD_WND))
    # HTTP/1.0: the server closes first
    emit(400, tcp_frame(server, board, SERVER_PORT, BOARD_PORT, s_seq, b_seq, FIN | ACK, swnd))
    s_seq += 1
    # FIN: lwIP ACKs at once (this also covers the odd last data segment)
    emit(1900, tcp_frame(board, server, BOARD_PORT, SERVER_PORT, b_seq, s_seq, ACK, BOARD_WND))
    # recv() returned b'' -> s.close(): the board's FIN
    emit(36000, tcp_frame(board, server, BOARD_PORT, SERVER_PORT, b_seq, s_seq, FIN | ACK, BOARD_WND))
    b_seq += 1
    emit(2700, tcp_frame(server, board, SERVER_PORT, BOARD_PORT, s_seq, b_seq, ACK, swnd))
    return out


def pcap_bytes():
    data = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for t_us, frame in frames():
        sec, usec = T0 + t_us // 1000000, t_us % 1000000
        data += struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame
    return data


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(here), "http-get-synthetic.pcap")
    with open(out, "wb") as f:
        f.write(pcap_bytes())
    print("wrote SYNTHETIC capture %s" % out)


if __name__ == "__main__":
    main()
