#!/usr/bin/env python3
"""An ESP8266-style DHCP client for the captures lab (raw frames, no scapy).

Modelled on the DHCP client of esp-open-lwip (Espressif's lwIP 1.4, the one
MicroPython's esp8266 port links), see docs/ESP8266.md in shared material:

* DISCOVER and REQUEST from 0.0.0.0:68 to 255.255.255.255:67, broadcast flag
  clear, xid 0xABCD0001 (lwIP's DHCP_GLOBAL_XID 0xABCD0000, +1 per transaction),
  IP TTL 255, IP ID +1 per packet, DF clear, UDP checksum filled in.
* options: 53 message type, 57 max message size (the MTU, 1500), 50 + 54 in
  the REQUEST, 55 with the 12 entries 1,3,28,6,15,44,46,47,31,33,121,43,
  12 host name ESP_XXXXXX (last three MAC bytes, upper-case hex), end, then
  zero padding to the lwIP minimum of 68 option bytes; no option 60/61.
* after the ACK: ARP check for the offered address ("who-has X tell 0.0.0.0"),
  500 ms wait, then the address is configured and a gratuitous ARP
  ("who-has X tell X") announces it. The ARP for the gateway comes from the
  kernel when the program first talks to it.

Only the frames are emulated; the address is then configured with `ip` so the
kernel (the rest of the "board") can use it.

Usage: dhcp_client.py IFACE   (prints "ip netmask gateway dns")
"""
import os
import socket
import struct
import subprocess
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
BROADCAST = b"\xff" * 6
PARAM_LIST = bytes([1, 3, 28, 6, 15, 44, 46, 47, 31, 33, 121, 43])
MTU = 1500


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Board:
    def __init__(self, iface):
        self.iface = iface
        with open("/sys/class/net/%s/address" % iface) as f:
            self.mac = bytes.fromhex(f.read().strip().replace(":", ""))
        self.hostname = ("ESP_%02X%02X%02X" % tuple(self.mac[3:])).encode()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((iface, 0))
        self.ip_id = 0x0001
        self.xid = 0xABCD0001

    def send_eth(self, dst, ethertype, payload):
        frame = dst + self.mac + struct.pack("!H", ethertype) + payload
        self.sock.send(frame)

    def send_udp(self, src_ip, dst_ip, sport, dport, payload):
        udp_len = 8 + len(payload)
        pseudo = socket.inet_aton(src_ip) + socket.inet_aton(dst_ip) + struct.pack("!BBH", 0, 17, udp_len)
        udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
        csum = checksum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, self.ip_id, 0, 255, 17, 0,
                         socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        self.send_eth(BROADCAST, ETH_P_IP, ip + udp)

    def dhcp_message(self, msg_type, requested=None, server=None):
        bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, self.xid, 0, 0,
                            b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                            self.mac + b"\0" * 10, b"\0" * 64, b"\0" * 128)
        opts = bytes([53, 1, msg_type]) + bytes([57, 2]) + struct.pack("!H", MTU)
        if requested:
            opts += bytes([50, 4]) + socket.inet_aton(requested)
        if server:
            opts += bytes([54, 4]) + socket.inet_aton(server)
        opts += bytes([55, len(PARAM_LIST)]) + PARAM_LIST
        opts += bytes([12, len(self.hostname)]) + self.hostname
        opts += b"\xff"
        # lwIP dhcp_option_trailer: pad to at least 68 bytes and to a multiple of 4
        while len(opts) < 68 or len(opts) % 4:
            opts += b"\0"
        return bootp + b"\x63\x82\x53\x63" + opts

    def recv_dhcp(self, want_type, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                frame = self.sock.recv(2048)
            except socket.timeout:
                break
            if len(frame) < 14 + 20 + 8 + 240 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
            ihl = (ip[0] & 0x0F) * 4
            if ip[9] != 17:
                continue
            udp = ip[ihl:]
            if struct.unpack("!H", udp[2:4])[0] != 68:
                continue
            bootp = udp[8:]
            if bootp[0] != 2 or struct.unpack("!I", bootp[4:8])[0] != self.xid:
                continue
            opts = parse_options(bootp[240:])
            if opts.get(53, b"\0")[0] == want_type:
                return socket.inet_ntoa(bootp[16:20]), opts
        return None, None

    def arp_request(self, sender_ip, target_ip):
        arp = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 1, self.mac, socket.inet_aton(sender_ip),
                          b"\0" * 6, socket.inet_aton(target_ip))
        self.send_eth(BROADCAST, ETH_P_ARP, arp + b"\0" * 18)  # pad to 60 bytes like lwIP's pbufs


def parse_options(data):
    opts, i = {}, 0
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        n = data[i + 1]
        opts[code] = data[i + 2:i + 2 + n]
        i += 2 + n
    return opts


def mask_bits(mask):
    return bin(struct.unpack("!I", socket.inet_aton(mask))[0]).count("1")


def join(iface, route_opts=""):
    b = Board(iface)
    yiaddr, offer = None, None
    for tries in range(4):
        b.send_udp("0.0.0.0", "255.255.255.255", 68, 67, b.dhcp_message(1))
        yiaddr, offer = b.recv_dhcp(2, 2 ** (tries + 1))
        if offer:
            break
    if not offer:
        raise OSError("no DHCPOFFER")
    server = socket.inet_ntoa(offer[54])
    b.send_udp("0.0.0.0", "255.255.255.255", 68, 67, b.dhcp_message(3, yiaddr, server))
    acked, ack = b.recv_dhcp(5, 4)
    if not ack:
        raise OSError("no DHCPACK")
    mask = socket.inet_ntoa(ack.get(1, b"\xff\xff\xff\x00"))
    gw = socket.inet_ntoa(ack[3][:4]) if 3 in ack else server
    dns = socket.inet_ntoa(ack[6][:4]) if 6 in ack else "208.67.222.222"
    # DHCP_DOES_ARP_CHECK: is the address in use? wait 500 ms for an answer
    b.arp_request("0.0.0.0", acked)
    time.sleep(0.5)
    bits = mask_bits(mask)
    subprocess.check_call(["ip", "addr", "add", "%s/%d" % (acked, bits), "dev", iface])
    net = socket.inet_ntoa(struct.pack("!I", struct.unpack("!I", socket.inet_aton(acked))[0]
                                       & struct.unpack("!I", socket.inet_aton(mask))[0]))
    subprocess.check_call(["ip", "route", "replace", "%s/%d" % (net, bits), "dev", iface, "proto", "kernel",
                           "scope", "link", "src", acked] + route_opts.split())
    subprocess.check_call(["ip", "route", "replace", "default", "via", gw, "dev", iface] + route_opts.split())
    # netif_set_up(): gratuitous ARP
    b.arp_request(acked, acked)
    # the ARP for the gateway follows when the program first sends (kernel)
    return acked, mask, gw, dns


if __name__ == "__main__":
    iface = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAB_BOARD_IF", "wlan0")
    print(*join(iface, os.environ.get("LAB_BOARD_ROUTE_OPTS", "")))
