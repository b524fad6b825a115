#!/usr/bin/env python3
"""Servers for the lan namespace of the SocketScope captures lab.

Runs inside the lan namespace only (it binds the lab gateway address given on
the command line). Everything is deterministic: fixed bodies, no Date header.

  TCP 80   HTTP/1.0 and 1.1 (keep-alive with an idle timeout, chunked)
             /hello.txt        fixed text body, 1500 bytes
             /bytes/N          N bytes of a fixed text pattern (N <= 1000000)
             /chunked          Transfer-Encoding: chunked (HTTP/1.1 only), 3 chunks
             /status/NNN       that status code with a short body
             anything else     404
  TCP 7    echo (until EOF, then close)
  UDP 7    echo
  TCP 81   reads the request, then aborts the connection (SO_LINGER 0 -> RST)
"""
import socket
import struct
import sys
import threading
import time

ADDR = sys.argv[1] if len(sys.argv) > 1 else "192.168.4.1"
KEEPALIVE_IDLE = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
SERVER = "socketscope-lab"

REASONS = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           500: "Internal Server Error", 503: "Service Unavailable"}


def pattern(n):
    """n bytes of numbered text lines (each line 50 bytes), cut to n."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += b"%04d the quick brown fox jumps over the lazy dog\n" % i
        i += 1
    return bytes(out[:n])


HELLO = pattern(1500)


def read_request(conn, buf):
    """Return (request_bytes, rest) or (None, buf) on EOF/timeout."""
    while b"\r\n\r\n" not in buf:
        try:
            data = conn.recv(2048)
        except socket.timeout:
            return None, buf
        except OSError:
            return None, buf
        if not data:
            return None, buf
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def respond(conn, head):
    """Send one response. Return True if the connection may be kept open."""
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ", 2)
    except ValueError:
        conn.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return False
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip().lower()
    http11 = version.upper() == "HTTP/1.1"
    conn_hdr = headers.get("connection", "")
    keep = (http11 and conn_hdr != "close") or (not http11 and conn_hdr == "keep-alive")
    status, body, chunked = 200, b"", False
    if target == "/hello.txt" or target == "/":
        body = HELLO
    elif target.startswith("/bytes/"):
        try:
            n = min(int(target[7:]), 1000000)
            body = pattern(n)
        except ValueError:
            status, body = 400, b"bad size\n"
    elif target == "/chunked":
        chunked = http11
        body = pattern(700)
    elif target.startswith("/status/"):
        try:
            status = int(target[8:])
        except ValueError:
            status = 400
        body = b"status %d\n" % status
    else:
        status, body = 404, b"not found\n"
    reason = REASONS.get(status, "Status")
    vers = "HTTP/1.1" if http11 else "HTTP/1.0"
    hdr = "%s %d %s\r\nServer: %s\r\nContent-Type: text/plain\r\n" % (vers, status, reason, SERVER)
    if keep:
        hdr += "Connection: keep-alive\r\n" if not http11 else ""
    else:
        hdr += "Connection: close\r\n"
    if chunked:
        hdr += "Transfer-Encoding: chunked\r\n\r\n"
        conn.sendall(hdr.encode())
        # three chunks, each sent on its own so each is its own segment(s)
        for part in (body[:100], body[100:400], body[400:]):
            time.sleep(0.05)
            conn.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
        time.sleep(0.05)
        conn.sendall(b"0\r\n\r\n")
    else:
        hdr += "Content-Length: %d\r\n\r\n" % len(body)
        data = hdr.encode()
        if method.upper() != "HEAD":
            data += body
        conn.sendall(data)
    return keep


def http_conn(conn):
    conn.settimeout(KEEPALIVE_IDLE)
    buf = b""
    try:
        while True:
            head, buf = read_request(conn, buf)
            if head is None:
                break
            if not respond(conn, head):
                break
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def echo_conn(conn):
    conn.settimeout(30)
    try:
        while True:
            data = conn.recv(2048)
            if not data:
                break
            conn.sendall(data)
    except OSError:
        pass
    conn.close()


def reset_conn(conn):
    conn.settimeout(2)
    try:
        read_request(conn, b"")
    except OSError:
        pass
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def tcp_server(port, handler):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ADDR, port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


def udp_echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ADDR, port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)


def main():
    threads = [
        threading.Thread(target=tcp_server, args=(80, http_conn), daemon=True),
        threading.Thread(target=tcp_server, args=(7, echo_conn), daemon=True),
        threading.Thread(target=tcp_server, args=(81, reset_conn), daemon=True),
        threading.Thread(target=udp_echo, args=(7,), daemon=True),
    ]
    for t in threads:
        t.start()
    print("services up on %s" % ADDR, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
