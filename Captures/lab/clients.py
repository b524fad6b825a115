#!/usr/bin/env python3
"""Clients in the lan/client namespaces that talk to a board running a server.

  clients.py seq HOST PORT N     N HTTP/1.0 requests, one after the other
  clients.py burst HOST PORT N   N connections opened at once, each sends a
                                 request and waits (5 s) for an answer
"""
import socket
import sys
import threading
import time

REQ = b"GET / HTTP/1.0\r\nHost: esp\r\n\r\n"


def one(host, port, tag):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((host, port))
        s.sendall(REQ)
        got = b""
        while True:
            d = s.recv(2048)
            if not d:
                break
            got += d
        print("%s: %d bytes: %r" % (tag, len(got), got[:40]))
    except OSError as e:
        print("%s: %s" % (tag, e))
    finally:
        s.close()


def main():
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if mode == "seq":
        for i in range(n):
            one(host, port, "request %d" % i)
            time.sleep(0.2)
    elif mode == "burst":
        ts = [threading.Thread(target=one, args=(host, port, "conn %d" % i)) for i in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
