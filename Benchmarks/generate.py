#!/usr/bin/env python3
"""Deterministic generator of a lab-like classic pcap for SocketScope's benchmarks.

Many ESP8266-shaped clients (Espressif MACs, TTL 255, SYN with only MSS 536 or 1460, window 2144/5840,
source ports < 32768, ISN 6509 + ticks since boot) boot (DHCP, gratuitous ARPs, ARP for the gateway), then
loop: DNS lookup (UDP 4096 -> 53, id < 256) then an HTTP/1.0 or HTTP/1.1 session (keep-alive with several
requests, chunked or Content-Length or until-close bodies of varied size, POSTs), occasional UDP echo,
connection refused (RST), SYN retries, RST-instead-of-FIN closes and server idle-timeout FINs. The server side
(a Linux box: TTL 64, DF, MSS 1460) loses, reorders and spuriously repeats a small share of segments, which
shows as retransmissions, out-of-order segments and duplicate ACKs. Checksums are correct, timestamps advance
realistically (LAN RTTs, delayed ACKs, think time), and the clients' traffic is interleaved by time.

Same seed and frame count -> byte-identical output. Memory stays flat: clients are generators merged by time.

    python3 generate.py --frames 1000000 --out data/lab-1000000.pcap
    python3 generate.py --frames 10000000 --out - | socketscope read - --format json > /dev/null
"""
import argparse
import heapq
import random
import struct
import sys

ESPRESSIF_OUIS = [0x18FE34, 0x5CCF7F, 0xA020A6, 0x600194, 0x2C3AE8, 0x84F3EB, 0xBCDDC2, 0xECFABC, 0x240AC4,
                  0xDC4F22, 0x68C63A, 0x807D3A, 0xA4CF12, 0xC44F33, 0x483FDA, 0x3C71BF]
SERVER_MAC = bytes.fromhex("001b21a4c0de")       # Intel NIC on the lab server (also gateway, DNS, DHCP)
SERVER_IP = bytes([10, 42, 0, 1])
BROADCAST_MAC = b"\xff" * 6
EPOCH_US = 1_773_655_200 * 1_000_000              # 2026-03-16 10:00:00 UTC

HOSTNAMES = [b"example.com", b"micropython.org", b"api.lab.local", b"sensors.lab.local", b"worldtimeapi.org",
             b"httpbin.org", b"io.adafruit.com", b"ota.lab.local"]
PATHS = [b"/", b"/index.html", b"/api/v1/time", b"/data.json", b"/sensor/temperature", b"/firmware.bin",
         b"/status", b"/static/logo.png", b"/ip", b"/get?board=esp8266", b"/feeds/t/data"]
CTYPES = [b"text/html", b"application/json", b"application/octet-stream", b"text/plain"]


def csum_fold(s):
    """Internet checksum from an integer whose value is congruent to the ones' complement sum (mod 0xffff)."""
    r = s % 0xFFFF
    return 0 if r == 0 else 0xFFFF - r


def be_int(b):
    return int.from_bytes(b, "big")


_ip_hdr = struct.Struct("!BBHHHBBH4s4s")
_tcp_hdr = struct.Struct("!HHIIBBHHH")
_udp_hdr = struct.Struct("!HHHH")
_rec_hdr = struct.Struct("<IIII")


class Host:
    def __init__(self, mac, ip, ttl, df, pad):
        self.mac, self.ip, self.ttl, self.pad = mac, ip, ttl, pad
        self.flags_frag = 0x4000 if df else 0
        self.ipid = 0


def ipv4(src, dst, proto, l4):
    """Ethernet + IPv4 frame carrying l4 (already checksummed), from src Host to dst Host."""
    src.ipid = (src.ipid + 1) & 0xFFFF
    total = 20 + len(l4)
    h = _ip_hdr.pack(0x45, 0, total, src.ipid, src.flags_frag, src.ttl, proto, 0, src.ip, dst.ip)
    c = csum_fold(be_int(h))
    h = h[:10] + c.to_bytes(2, "big") + h[12:]
    frame = dst.mac + src.mac + b"\x08\x00" + h + l4
    if src.pad and len(frame) < 60:
        frame += bytes(60 - len(frame))
    return frame


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b"", win=0, opts=b""):
    hlen = 20 + len(opts)
    hdr = _tcp_hdr.pack(sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (hlen // 4) << 4, flags, win, 0, 0) + opts
    seglen = hlen + len(payload)
    body = hdr + payload
    if seglen & 1:
        body += b"\x00"
    s = be_int(src.ip) + be_int(dst.ip) + 6 + seglen + be_int(body)
    # be_int(src.ip) is 32-bit: congruent mod 0xffff to the sum of its two 16-bit words, as is seglen etc.
    c = csum_fold(s)
    return ipv4(src, dst, 6, hdr[:16] + c.to_bytes(2, "big") + hdr[18:] + payload)


def udp_frame(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    body = _udp_hdr.pack(sport, dport, length, 0) + payload
    padded = body + b"\x00" if length & 1 else body
    c = csum_fold(be_int(src.ip) + be_int(dst.ip) + 17 + length + be_int(padded)) or 0xFFFF
    return ipv4(src, dst, 17, body[:6] + c.to_bytes(2, "big") + payload)


def arp_frame(src_mac, dst_mac, op, sha, spa, tha, tpa, pad):
    f = dst_mac + src_mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa
    if pad and len(f) < 60:
        f += bytes(60 - len(f))
    return f


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def make_pools(rng):
    words = [b"sensor", b"temperature", b"humidity", b"micropython", b"esp8266", b"board", b"value", b"lab",
             b"socket", b"<div>", b"</div>", b"<p>", b"</p>", b"network", b"wlan", b"reading", b"\n"]
    text = bytearray()
    while len(text) < 300_000:
        text += rng.choice(words) + b" "
    js = bytearray(b"[")
    i = 0
    while len(js) < 300_000:
        js += b'{"id":%d,"t":%d.%02d,"h":%d},' % (i, rng.randrange(10, 35), rng.randrange(100), rng.randrange(20, 90))
        i += 1
    binary = rng.randbytes(300_000)
    return {b"text/html": bytes(text), b"text/plain": bytes(text), b"application/json": bytes(js),
            b"application/octet-stream": binary}


class Conn:
    """One TCP connection between a client (the board) and the server, emitting (ts_us, frame) into out."""

    def __init__(self, client, server, sport, dport, mss, cwin, isn, rng, out):
        self.c, self.s = client, server
        self.sport, self.dport = sport, dport
        self.mss, self.cwin = mss, cwin
        self.cseq = isn
        self.sseq = rng.getrandbits(32)
        self.rng, self.out = rng, out
        self.swin = 64240
        self.last_ack_t = 0

    def c_send(self, t, flags, payload=b"", opts=b""):
        self.out.append((t, tcp_frame(self.c, self.s, self.sport, self.dport, self.cseq,
                                      self.sseq if flags & ACK else 0, flags, payload, self.cwin, opts)))

    def s_send(self, t, seq, flags, payload=b"", opts=b""):
        self.out.append((t, tcp_frame(self.s, self.c, self.dport, self.sport, seq, self.cseq, flags, payload,
                                      self.swin, opts)))

    def c_ack(self, t, ack, win=None):
        t = max(t, self.last_ack_t + 40)               # the board's ACKs leave in order
        self.last_ack_t = t
        self.out.append((t, tcp_frame(self.c, self.s, self.sport, self.dport, self.cseq, ack, ACK, b"",
                                      self.cwin if win is None else win)))

    def server_data(self, t, data, rtt, loss):
        """Server streams data to the board within the board's window; the board ACKs every second segment at
        once and the last odd one after a delayed-ACK tick. Returns the time when the last ACK is seen."""
        rng = self.rng
        mss = self.mss
        segs = []
        seq = self.sseq
        for off in range(0, len(data), mss):
            chunk = data[off:off + mss]
            segs.append((seq, chunk))
            seq += len(chunk)
        inflight = max(1, self.cwin // mss)
        i = 0
        n = len(segs)
        while i < n:
            burst = segs[i:i + inflight]
            k = len(burst)
            mode = None
            r = rng.random()
            if r < loss and k >= 2:
                mode = "loss"
            elif r < loss * 1.5 and k >= 2:
                mode = "ooo"
            elif r < loss * 1.8:
                mode = "spurious"
            t0 = t
            gap = 120 if mss == 536 else 260          # serialisation on the WiFi hop, microseconds
            if mode == "loss":
                lost = rng.randrange(k - 1)
                seen = rng.random() < 0.85
                got = 0
                for j, (sq, ch) in enumerate(burst):
                    t += gap
                    fl = PSH | ACK if i + j == n - 1 else ACK
                    if j != lost or seen:              # lost on the WiFi hop after the capture point (seen) or not
                        self.s_send(t, sq, fl, ch)
                    if j > lost:
                        got += 1
                        self.c_ack(t + rng.randrange(300, 1500), burst[lost][0])       # duplicate ACK
                # fast retransmission after 3 dup ACKs, else an RTO of ~200 ms plus the RTT
                t += rtt + (rng.randrange(200, 400) if got >= 3 else rng.randrange(200_000, 260_000))
                sq, ch = burst[lost]
                self.s_send(t, sq, PSH | ACK if i + lost == n - 1 else ACK, ch)
                t += rng.randrange(300, 1500)
                self.c_ack(t, burst[-1][0] + len(burst[-1][1]))
            elif mode == "ooo":
                a = rng.randrange(k - 1)
                order = list(range(k))
                order[a], order[a + 1] = order[a + 1], order[a]
                for pos, j in enumerate(order):
                    sq, ch = burst[j]
                    t += gap
                    self.s_send(t, sq, PSH | ACK if i + j == n - 1 else ACK, ch)
                    if pos == a:                        # segment a+1 arrived first: duplicate ACK for a
                        self.c_ack(t + 200, burst[a][0])
                t += rng.randrange(300, 1500)
                self.c_ack(t, burst[-1][0] + len(burst[-1][1]))
            else:
                for j, (sq, ch) in enumerate(burst):
                    t += gap
                    self.s_send(t, sq, PSH | ACK if i + j == n - 1 else ACK, ch)
                    if j & 1:
                        self.c_ack(t + rng.randrange(300, 1500), sq + len(ch))
                if mode == "spurious":
                    sq, ch = burst[0]
                    t += rng.randrange(1000, 30_000)
                    self.s_send(t, sq, ACK, ch)
                    self.c_ack(t + 400, burst[-1][0] + len(burst[-1][1]))
                if k & 1:                               # delayed ACK on the next 125 ms tick
                    t += rng.randrange(2_000, 125_000)
                    self.c_ack(t, burst[-1][0] + len(burst[-1][1]))
                else:
                    t += rng.randrange(300, 1500)
            t += rtt // 2
            i += k
        self.sseq = seq
        return t

    def client_data(self, t, data, rtt, loss):
        """Board sends data in <= mss segments (TCP_SND_BUF = 2*MSS in flight), server ACKs each pair."""
        rng = self.rng
        mss = min(self.mss, 536)
        off = 0
        while off < len(data):
            pair = []
            for _ in range(2):
                if off >= len(data):
                    break
                chunk = data[off:off + mss]
                pair.append((self.cseq, chunk))
                off += len(chunk)
                t += 300
                self.c_send(t, PSH | ACK, chunk)
                self.cseq += len(chunk)
            if rng.random() < loss:                     # server's ACK lost: the board retransmits after its RTO
                t += rng.randrange(1_000_000, 1_500_000)
                sq, ch = pair[0]
                self.out.append((t, tcp_frame(self.c, self.s, self.sport, self.dport, sq, self.sseq, PSH | ACK, ch,
                                              self.cwin)))
            t += rtt
            self.s_send(t, self.sseq, ACK)
        return t


class Client:
    def __init__(self, index, seed, server, pools, loss):
        self.rng = random.Random(seed * 1_000_003 + index)
        rng = self.rng
        oui = ESPRESSIF_OUIS[index % len(ESPRESSIF_OUIS)]
        self.mac = oui.to_bytes(3, "big") + (index * 7919 + 0x1234).to_bytes(3, "big")
        self.ip = bytes([10, 42, 0, 100 + index])
        self.host = Host(self.mac, self.ip, 255, False, True)
        self.server = server
        self.pools = pools
        self.loss = loss
        self.mss = 536 if rng.random() < 0.35 else 1460
        self.cwin = 4 * self.mss if self.mss == 536 else 5840
        self.t = EPOCH_US + rng.randrange(0, 3_000_000)
        self.rtt = rng.randrange(1_500, 12_000)

    def boot(self, out):
        rng, c, s, t = self.rng, self.host, self.server, self.t
        c.ipid = rng.randrange(0, 40)
        self.boot_t = t
        self.dns_port = 4096
        self.echo_port = 4097
        xid = rng.getrandbits(32)
        hostname = b"ESP_%02X%02X%02X" % tuple(self.mac[3:])
        zero = Host(self.mac, b"\x00" * 4, 255, False, True)
        bcast = Host(BROADCAST_MAC, b"\xff" * 4, 64, False, False)
        srv_to = Host(self.mac, self.ip, 64, False, False)

        def dhcp(msgtype, yiaddr, opts):
            b = struct.pack("!BBBBIHH4s4s4s4s", 2 if msgtype in (2, 5) else 1, 1, 6, 0, xid, 0, 0, b"\0" * 4,
                            yiaddr, b"\0" * 4, b"\0" * 4) + self.mac + bytes(10) + bytes(192)
            b += b"\x63\x82\x53\x63" + bytes([53, 1, msgtype]) + opts + b"\xff"
            return b + bytes(max(0, 300 - len(b)))

        client_opts = bytes([57, 2, 0x05, 0xDC, 12, len(hostname)]) + hostname + \
            bytes([55, 12, 1, 3, 28, 6, 15, 44, 46, 47, 31, 33, 121, 43])
        server_opts = bytes([54, 4]) + SERVER_IP + bytes([51, 4, 0, 0, 0x0E, 0x10, 1, 4, 255, 255, 255, 0,
                                                          3, 4]) + SERVER_IP + bytes([6, 4]) + SERVER_IP
        out.append((t, udp_frame(zero, bcast, 68, 67, dhcp(1, b"\0" * 4, client_opts))))
        t += rng.randrange(1_000, 5_000)
        s_save = s.mac
        out.append((t, udp_frame(s, bcast, 67, 68, dhcp(2, self.ip, server_opts))))
        t += rng.randrange(1_000, 5_000)
        out.append((t, udp_frame(zero, bcast, 68, 67, dhcp(3, b"\0" * 4, client_opts + bytes([50, 4]) + self.ip +
                                                          bytes([54, 4]) + SERVER_IP))))
        t += rng.randrange(1_000, 5_000)
        out.append((t, udp_frame(s, srv_to, 67, 68, dhcp(5, self.ip, server_opts))))
        del s_save
        t += 500_000                                   # DHCP_DOES_ARP_CHECK, then gratuitous ARP on netif up
        for _ in range(2):
            out.append((t, arp_frame(self.mac, BROADCAST_MAC, 1, self.mac, self.ip, b"\0" * 6, self.ip, True)))
            t += rng.randrange(1_000, 20_000)
        t = self.arp_gateway(t, out)
        self.t = t

    def arp_gateway(self, t, out):
        out.append((t, arp_frame(self.mac, BROADCAST_MAC, 1, self.mac, self.ip, b"\0" * 6, SERVER_IP, True)))
        t += self.rng.randrange(200, 2_000)
        out.append((t, arp_frame(SERVER_MAC, self.mac, 2, SERVER_MAC, SERVER_IP, self.mac, self.ip, False)))
        self.last_arp = t
        return t + self.rng.randrange(500, 3_000)

    def dns(self, t, out, name):
        rng, c, s = self.rng, self.host, self.server
        qid = rng.randrange(0, 4) + rng.randrange(0, 250)
        qname = b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\0"
        q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + b"\x00\x01\x00\x01"
        out.append((t, udp_frame(c, s, self.dns_port, 53, q)))
        if rng.random() < 0.01:                        # no answer: lwIP resends at 1, 2, 4 s
            for d in (1_000_000, 1_000_000, 2_000_000):
                t += d
                out.append((t, udp_frame(c, s, self.dns_port, 53, q)))
        t += rng.randrange(800, 25_000)
        if rng.random() < 0.01:
            r = struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + qname + b"\x00\x01\x00\x01"
            out.append((t, udp_frame(s, c, 53, self.dns_port, r)))
            return t, False
        answers = rng.randrange(1, 3)
        r = struct.pack("!HHHHHH", qid, 0x8180, 1, answers, 0, 0) + qname + b"\x00\x01\x00\x01"
        for a in range(answers):
            r += b"\xc0\x0c\x00\x01\x00\x01" + struct.pack("!IH", rng.randrange(60, 3600), 4) + SERVER_IP
        out.append((t, udp_frame(s, c, 53, self.dns_port, r)))
        return t + rng.randrange(500, 3_000), True

    def udp_echo(self, t, out):
        rng, c, s = self.rng, self.host, self.server
        for _ in range(rng.randrange(1, 6)):
            msg = b"ping %d %s" % (rng.randrange(1 << 20), b"x" * rng.randrange(0, 200))
            out.append((t, udp_frame(c, s, self.echo_port, 7, msg)))
            t += self.rtt // 2 + rng.randrange(100, 800)
            if rng.random() > 0.02:
                out.append((t, udp_frame(s, c, 7, self.echo_port, msg)))
            t += rng.randrange(20_000, 400_000)
        return t

    def body_size(self):
        r = self.rng.random()
        if r < 0.50:
            return self.rng.randrange(40, 1_500)
        if r < 0.88:
            return self.rng.randrange(1_500, 10_000)
        if r < 0.99:
            return self.rng.randrange(10_000, 50_000)
        return self.rng.randrange(50_000, 200_000)

    def response(self, http11, head_only=False):
        rng = self.rng
        ctype = rng.choice(CTYPES)
        pool = self.pools[ctype]
        size = self.body_size()
        off = rng.randrange(0, len(pool) - size)
        body = pool[off:off + size]
        status = b"200 OK" if rng.random() < 0.95 else rng.choice([b"404 Not Found", b"500 Internal Server Error",
                                                                    b"301 Moved Permanently"])
        head = b"HTTP/1.%d %s\r\nServer: nginx/1.22.1\r\nDate: Mon, 16 Mar 2026 10:00:00 GMT\r\nContent-Type: %s\r\n" \
            % (1 if http11 else 0, status, ctype)
        if http11 and rng.random() < 0.35:
            head += b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
            out = bytearray(head)
            i = 0
            while i < len(body):
                n = min(len(body) - i, rng.randrange(64, 4096))
                out += b"%x\r\n" % n + body[i:i + n] + b"\r\n"
                i += n
            out += b"0\r\n\r\n"
            return bytes(out), True
        if not http11 and rng.random() < 0.3:          # until-close body
            return head + b"\r\n" + body, False
        head += b"Content-Length: %d\r\n" % len(body)
        if http11:
            head += b"Connection: keep-alive\r\n"
        return head + b"\r\n" + body, True

    def request(self, http11, host):
        rng = self.rng
        path = rng.choice(PATHS)
        if rng.random() < 0.15:
            data = self.pools[b"application/json"]
            off = rng.randrange(0, 100_000)
            body = data[off:off + rng.randrange(20, 1_400)]
            return b"POST %s HTTP/1.%d\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" \
                % (path, 1 if http11 else 0, host, len(body)) + body
        if http11:
            return b"GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: MicroPython\r\nConnection: keep-alive\r\n\r\n" % (path, host)
        return b"GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)

    def session(self, out):
        """One episode: optional DNS, then one TCP connection (or UDP echo). Returns nothing; advances self.t."""
        rng, c, s = self.rng, self.host, self.server
        t = self.t
        if t - self.last_arp > 60_000_000:             # the server refreshes its neighbour entry
            out.append((t, arp_frame(SERVER_MAC, BROADCAST_MAC, 1, SERVER_MAC, SERVER_IP, b"\0" * 6, self.ip, False)))
            t += rng.randrange(2_000, 9_000)
            out.append((t, arp_frame(self.mac, SERVER_MAC, 2, self.mac, self.ip, SERVER_MAC, SERVER_IP, True)))
            self.last_arp = t
            t += rng.randrange(500, 3_000)
        if rng.random() < 0.06:
            self.t = self.udp_echo(t, out)
            return
        host = rng.choice(HOSTNAMES)
        if rng.random() < 0.7:
            t, ok = self.dns(t, out, host)
            if not ok:
                self.t = t + rng.randrange(200_000, 2_000_000)
                return
        rtt, loss = self.rtt + rng.randrange(0, 3_000), self.loss
        sport = rng.randrange(1024, 32768)
        dport = 80 if rng.random() < 0.97 else rng.choice([8080, 8266, 5000])
        isn = (6509 + (t - self.boot_t) // 250_000) & 0xFFFFFFFF
        conn = Conn(c, s, sport, dport, self.mss, self.cwin, isn, rng, out)
        mss_opt = b"\x02\x04" + self.mss.to_bytes(2, "big")
        # SYN (resent every second if unanswered; 7 SYNs then silence)
        syns = 1
        r = rng.random()
        if r < 0.002:
            syns = 7
        elif r < 0.01:
            syns = 2
        for i in range(syns):
            conn.out.append((t, tcp_frame(c, s, sport, dport, conn.cseq, 0, SYN, b"", self.cwin, mss_opt)))
            if i < syns - 1:
                t += 1_000_000 + rng.randrange(0, 20_000)
        if syns == 7:
            self.t = t + 6_000_000
            return
        conn.cseq += 1
        t += rtt // 2
        if dport != 80 and rng.random() < 0.5:         # nothing listening: RST/ACK -> ECONNRESET
            out.append((t, tcp_frame(s, c, dport, sport, 0, conn.cseq, RST | ACK, b"", 0)))
            self.t = t + rng.randrange(500_000, 3_000_000)
            return
        conn.s_send(t, conn.sseq, SYN | ACK, b"", b"\x02\x04\x05\xb4")
        conn.sseq += 1
        t += rtt // 2
        conn.c_send(t, ACK)
        http11 = rng.random() < 0.45
        nreq = rng.choice((1, 1, 1, 1, 2, 2, 3, 5)) if http11 else 1
        server_closes = False
        for _ in range(nreq):
            req = self.request(http11, host)
            if rng.random() < 0.25 and len(req) < 536:   # urequests writes the request line separately
                cut = req.index(b"\r\n") + 2
                conn.c_send(t + 200, PSH | ACK, req[:cut])
                conn.cseq += cut
                t += rtt
                conn.s_send(t, conn.sseq, ACK)
                t = conn.client_data(t, req[cut:], rtt, loss)
            else:
                t = conn.client_data(t, req, rtt, loss)
            t += rng.randrange(1_000, 40_000)           # server think time
            resp, framed = self.response(http11)
            t = conn.server_data(t, resp, rtt, loss)
            if not framed:
                server_closes = True
                break
            t += rng.randrange(5_000, 300_000)          # the board processes the response
        if not http11 or server_closes:
            # HTTP/1.0: server FIN first, board ACKs, then the board's FIN after recv() sees b''
            conn.s_send(t, conn.sseq, FIN | ACK)
            conn.sseq += 1
            t += rtt // 2
            conn.c_ack(t, conn.sseq)
            t += rng.randrange(1_000, 50_000)
            conn.c_send(t, FIN | ACK)
            conn.cseq += 1
            t += rtt // 2
            conn.s_send(t, conn.sseq, ACK)
        elif rng.random() < 0.04:                      # keep-alive hang: idle until the server's 5 s timeout
            t += 5_000_000 + rng.randrange(0, 100_000)
            conn.s_send(t, conn.sseq, FIN | ACK)
            conn.sseq += 1
            t += rtt // 2
            conn.c_ack(t, conn.sseq)
            t += rng.randrange(1_000, 50_000)
            conn.c_send(t, FIN | ACK)
            conn.cseq += 1
            t += rtt // 2
            conn.s_send(t, conn.sseq, ACK)
        elif rng.random() < 0.03:                      # closed with unread data: RST instead of FIN
            conn.c_send(t, RST | ACK)
        else:                                          # board closes first and holds TIME_WAIT
            conn.c_send(t, FIN | ACK)
            conn.cseq += 1
            t += rtt // 2
            conn.s_send(t, conn.sseq, FIN | ACK)
            conn.sseq += 1
            t += rtt // 2
            conn.c_ack(t, conn.sseq)
        self.t = t + rng.randrange(100_000, 1_500_000)   # think time before the next request

    def frames(self):
        out = []
        self.boot(out)
        while True:
            if self.rng.random() < 0.002:              # reboot (watchdog, deep sleep): DHCP again, ISN back to 6509
                self.t += 2_000_000
                self.boot(out)
            self.session(out)
            out.sort(key=lambda p: p[0])
            yield from out
            out.clear()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=1_000_000, help="frames to write (default 1,000,000 = ~440 MB)")
    ap.add_argument("--out", default="-", help="output path, - or /dev/stdout for standard output")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--clients", type=int, default=48, help="concurrent ESP8266-shaped clients")
    ap.add_argument("--loss", type=float, default=0.03, help="per-burst probability of a lost segment")
    args = ap.parse_args()

    pools = make_pools(random.Random(args.seed))
    server = Host(SERVER_MAC, SERVER_IP, 64, True, False)
    server.ipid = 1000
    clients = [Client(i, args.seed, server, pools, args.loss) for i in range(args.clients)]
    merged = heapq.merge(*(c.frames() for c in clients), key=lambda p: p[0])

    f = sys.stdout.buffer if args.out in ("-", "/dev/stdout") else open(args.out, "wb", buffering=1 << 20)
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    pack = _rec_hdr.pack
    buf = []
    n = 0
    for ts, frame in merged:
        ln = len(frame)
        buf.append(pack(ts // 1_000_000, ts % 1_000_000, ln, ln))
        buf.append(frame)
        n += 1
        if n % 4096 == 0:
            f.write(b"".join(buf))
            buf.clear()
        if n >= args.frames:
            break
    f.write(b"".join(buf))
    f.flush()
    if f is not sys.stdout.buffer:
        f.close()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(0)
