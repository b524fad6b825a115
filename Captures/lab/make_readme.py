#!/usr/bin/env python3
"""Regenerate the capture table in Captures/README.md from the captures.

Frame numbers are read off each capture with tshark display filters, so the
table stays true after a capture is re-recorded. The table goes between the
markers <!-- captures-table:begin --> and <!-- captures-table:end -->.

Usage: make_readme.py   (needs tshark)
"""
import os
import re
import subprocess
import sys

CAPTURES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(CAPTURES, "README.md")
B, L = "192.168.4.2", "192.168.4.1"
BSYN = "ip.src==%s && tcp.flags.syn==1 && tcp.flags.ack==0" % B

# (capture, program, what happens / what to look for, [(label, filter, max frames listed)])
TABLE = [
    ("http-get", "programs/http_get.py",
     "The tutorial's `http_get`, byte for byte, to `http://192.168.4.1/hello.txt`. ARP, handshake, "
     "the request in one segment, the response in 536-byte segments (the board's MSS), the server's "
     "FIN first (HTTP/1.0), then the board's FIN.",
     [("ARP", "arp", 2), ("board SYN (MSS 536, win 2144, TTL 255)", BSYN, 1),
      ("request", "http.request", 1), ("536-byte segments", "ip.src==%s && tcp.len==536" % L, 4),
      ("server FIN", "ip.src==%s && tcp.flags.fin==1" % L, 1),
      ("board FIN", "ip.src==%s && tcp.flags.fin==1" % B, 1)]),
    ("http-get-by-name", "programs/http_get_by_name.py",
     "Same, to `http://example.lab/hello.txt`: one DNS query (type A only, as lwIP) before the SYN.",
     [("DNS query", "dns.flags.response==0", 1), ("DNS answer", "dns.flags.response==1", 1),
      ("board SYN", BSYN, 1), ("request", "http.request", 1)]),
    ("tcp-client-echo", "programs/tcp_client_echo.py",
     "Three lines to a TCP echo server (port 7), each echoed; the board closes first.",
     [("lines sent", "ip.src==%s && tcp.len>0" % B, 3), ("echoes", "ip.src==%s && tcp.len>0" % L, 3),
      ("board FIN", "ip.src==%s && tcp.flags.fin==1" % B, 1)]),
    ("tcp-server", "programs/tcp_server.py",
     "The tutorial's web server (no pins): `bind`, `listen(1)`, `accept`; two HTTP clients in the lan "
     "one after the other. The board answers the SYN (its SYN/ACK carries MSS 536) and sends FIN first.",
     [("client SYN", "ip.dst==%s && tcp.flags.syn==1 && tcp.flags.ack==0" % B, 2),
      ("board SYN/ACK", "ip.src==%s && tcp.flags.syn==1 && tcp.flags.ack==1" % B, 2),
      ("board FIN", "ip.src==%s && tcp.flags.fin==1" % B, 2)]),
    ("udp-echo", "programs/udp_echo.py",
     "Three datagrams to a UDP echo server (port 7), three replies. No handshake.",
     [("datagrams", "ip.src==%s && udp" % B, 3), ("replies", "ip.src==%s && udp" % L, 3)]),
    ("refused", "programs/refused.py",
     "`connect()` to port 8080, where nothing listens: SYN, RST/ACK. (ESP8266: OSError 104 ECONNRESET.)",
     [("SYN", BSYN, 1), ("RST/ACK", "tcp.flags.reset==1", 1)]),
    ("no-answer", "programs/no_answer.py",
     "`connect()` to a port whose SYNs the server drops, `settimeout(6)`: the SYN is retransmitted "
     "(Linux backs off 1, 2, 4 s; lwIP would resend every ~1 s) and nothing ever answers.",
     [("first SYN", BSYN + " && !tcp.analysis.retransmission", 1),
      ("retransmitted SYNs", BSYN + " && tcp.analysis.retransmission", 6)]),
    ("reset-by-server", "programs/reset_by_server.py",
     "The server (port 81) reads the request and aborts with RST; `recv()` raises ECONNRESET (104).",
     [("request", "ip.src==%s && tcp.len>0" % B, 1), ("server RST", "ip.src==%s && tcp.flags.reset==1" % L, 1)]),
    ("board-closes-unread", "programs/board_closes_unread.py",
     "Requests 6000 bytes, reads 100, closes. Unread data is queued, so the board sends RST, not FIN. "
     "Its window shrinks (2144, 1608, ...) while nobody reads.",
     [("window shrinking", "ip.src==%s && tcp.window_size_value<2144 && tcp.flags.syn==0" % B, 3),
      ("board RST", "ip.src==%s && tcp.flags.reset==1" % B, 1)]),
    ("slow-reader", "programs/slow_reader.py",
     "Requests 6000 bytes and reads 100 bytes every 50 ms. The board's window falls to 0; the server "
     "waits and probes; the board's window updates reopen it.",
     [("zero window", "ip.src==%s && tcp.analysis.zero_window" % B, 4),
      ("server probes", "tcp.analysis.zero_window_probe || tcp.analysis.keep_alive", 3),
      ("window updates", "ip.src==%s && tcp.analysis.window_update" % B, 3)]),
    ("lossy", "programs/lossy.py",
     "`http_get` of 16000 bytes while the middle namespace drops 10 % of TCP frames at random "
     "(nftables `numgen random`). Retransmissions, duplicate ACKs, segments after a gap. "
     "Random: frame numbers differ per recording.",
     [("retransmissions", "tcp.analysis.retransmission || tcp.analysis.fast_retransmission", 5),
      ("duplicate ACKs", "tcp.analysis.duplicate_ack", 5),
      ("gap (previous segment not captured)", "tcp.analysis.lost_segment", 5),
      ("out of order", "tcp.analysis.out_of_order", 5)]),
    ("keep-alive-hang", "programs/keep_alive_hang.py",
     "The tutorial's `http_get` with HTTP/1.1. The whole response arrives, then nothing: the `recv()` "
     "loop waits until the server's keep-alive idle timeout (3 s in the lab) closes the connection.",
     [("request", "http.request", 1), ("response data", "ip.src==%s && tcp.len>0" % L, 9),
      ("server FIN after the silence", "ip.src==%s && tcp.flags.fin==1" % L, 1)]),
    ("chunked", "programs/chunked.py",
     "HTTP/1.1 with `Connection: close`; the response is `Transfer-Encoding: chunked`: hex size lines "
     "inside the body (printed by a plain recv loop).",
     [("request", "http.request", 1), ("HTTP response (tshark marks the last segment)", "http.response", 1),
      ("chunks", "ip.src==%s && tcp.len>0" % L, 6)]),
    ("dns-nxdomain", "programs/dns_nxdomain.py",
     "`getaddrinfo('nosuch.lab', 80)`: the DNS server answers NXDOMAIN; no TCP follows. "
     "(ESP8266: OSError -2.)",
     [("query", "dns.flags.response==0", 1), ("NXDOMAIN", "dns.flags.rcode==3", 1)]),
    ("accept-queue-full", "programs/accept_queue_full.py",
     "`listen(1)` and no `accept()` for 2 s while four clients (two in lan, two in client) connect. "
     "Two handshakes complete and wait in the queue; Linux ignores the other SYNs while the queue is "
     "full, so those clients retransmit them and are served after `accept()`. (On the ESP8266 lwIP "
     "completes the handshake and then sends RST; a silently ignored SYN is what it does when 5 "
     "connections are active. Linux cannot be made to do the former.)",
     [("client SYNs", "ip.dst==%s && tcp.flags.syn==1 && tcp.flags.ack==0 && !tcp.analysis.retransmission" % B, 4),
      ("queued handshakes (board SYN/ACK)", "ip.src==%s && tcp.flags.syn==1 && tcp.flags.ack==1" % B, 4),
      ("SYN retransmissions", "ip.dst==%s && tcp.flags.syn==1 && tcp.analysis.retransmission" % B, 6),
      ("answers", "ip.src==%s && tcp.srcport==80 && tcp.len>0" % B, 4)]),
    ("wifi-join", "programs/wifi_join.py",
     "`network.WLAN(STA_IF).connect()` (lab shim): DHCP DISCOVER/OFFER/REQUEST/ACK with hostname "
     "`ESP_A1B2C3` (option 12), option 57 = 1500 and the 12-entry option 55 list, ARP probe, "
     "gratuitous ARP, then the ARP for the gateway and a DNS lookup.",
     [("DISCOVER", "dhcp.option.dhcp==1", 1), ("OFFER", "dhcp.option.dhcp==2", 1),
      ("REQUEST", "dhcp.option.dhcp==3", 1), ("ACK", "dhcp.option.dhcp==5", 1),
      ("ARP probe", "arp.src.proto_ipv4==0.0.0.0", 1), ("gratuitous ARP", "arp.isannouncement", 1),
      ("ARP for the gateway", "arp.dst.proto_ipv4==192.168.4.1 && arp.opcode==1", 1),
      ("DNS", "dns", 2)]),
    ("http-get-synthetic", "synth/make_synthetic.py",
     "**SYNTHETIC** (built byte by byte, not recorded): the tutorial's `http_get` as a MicroPython "
     "ESP8266 would send it per docs/ESP8266.md: SYN seq 6509 with only MSS 536, window 2144, TTL 255, "
     "DF clear, IP ID +1 per packet, source port 17185; request in one segment; 536-byte response "
     "segments ACKed every second one; server FIN, board ACK, board FIN, final ACK.",
     [("board SYN", BSYN, 1), ("request", "http.request", 1),
      ("board ACKs", "ip.src==%s && tcp.len==0 && tcp.flags==0x010" % B, 3),
      ("server FIN", "ip.src==%s && tcp.flags.fin==1" % L, 1),
      ("board FIN", "ip.src==%s && tcp.flags.fin==1" % B, 1)]),
]


def frames(path, flt):
    out = subprocess.run(["tshark", "-r", path, "-Y", flt, "-T", "fields", "-e", "frame.number"],
                         capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def fmt(nums, limit):
    if not nums:
        return "none"
    shown = ", ".join(str(n) for n in nums[:limit])
    return shown + (", ... (%d in all)" % len(nums) if len(nums) > limit else "")


def main():
    rows = ["| capture | how made | program | what happens, what to look for | frames (tshark numbering) |",
            "|---|---|---|---|---|"]
    for name, prog, what, marks in TABLE:
        path = os.path.join(CAPTURES, name + ".pcap")
        if not os.path.exists(path):
            print("missing %s" % path, file=sys.stderr)
            continue
        total = len(frames(path, "frame"))
        made = "synthetic" if "synthetic" in name else "lab"
        where = "; ".join("%s: %s" % (label, fmt(frames(path, flt), lim)) for label, flt, lim in marks)
        rows.append("| `%s.pcap` (%d frames) | %s | `%s` | %s | %s |" % (name, total, made, prog, what, where))
    table = "\n".join(rows)
    text = open(README).read()
    new = re.sub(r"(<!-- captures-table:begin -->\n).*?(<!-- captures-table:end -->)",
                 lambda m: m.group(1) + table + "\n" + m.group(2), text, flags=re.S)
    prov_path = os.path.join(CAPTURES, "lab", "provenance.tsv")
    lines = []
    if os.path.exists(prov_path):
        for line in open(prov_path):
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                lines.append("| `%s.pcap` | %s | %s |" % tuple(parts))
    prov = ("Written by `Captures/record` (`lab/provenance.tsv`): the tool each lab capture was recorded "
            "with (`socketscope` = `socketscope live -i wlan0 -w FILE`; `tcpdump` = the fallback) and when. "
            "`http-get-synthetic.pcap` is not recorded: `synth/make_synthetic.py` builds it.\n\n"
            "| capture | recorded with | date (UTC) |\n|---|---|---|\n" + "\n".join(lines))
    new = re.sub(r"(<!-- provenance:begin -->\n).*?(<!-- provenance:end -->)",
                 lambda m: m.group(1) + prov + "\n" + m.group(2), new, flags=re.S)
    open(README, "w").write(new)
    print("updated %s" % README)


if __name__ == "__main__":
    main()
