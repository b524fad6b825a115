#!/usr/bin/env python3
"""Run a MicroPython board program under CPython inside the lab's board namespace.

The programs in Captures/programs/ only use `socket` and `time` (plus `network`
for wifi-join), so the same file runs on an ESP8266. Two small shims make CPython
behave like MicroPython's esp8266 port where it matters on the wire:

* MicroPython's lwIP is IPv4-only: `getaddrinfo` sends one DNS query of type A.
  glibc would also ask for AAAA, so the default family is forced to AF_INET.
* `socket.makefile()` does not keep the connection open after `close()`.
* `network.WLAN` (wifi-join) is provided by lab/shim/network.py, which does the
  board's DHCP exchange with raw frames (see lab/dhcp_client.py).

Usage: board_run.py PROGRAM.py
"""
import os
import runpy
import socket
import sys

_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    if family == 0:
        family = socket.AF_INET
    return _getaddrinfo(host, port, family, type, proto, flags)


socket.getaddrinfo = getaddrinfo

# MicroPython's socket.makefile() returns the socket itself, so close() on the
# socket closes the connection at once. CPython's file object would keep the
# connection open until it is garbage-collected (the FIN would come late).
_makefile = socket.socket.makefile


def makefile(self, *args, **kwargs):
    f = _makefile(self, *args, **kwargs)
    self._io_refs -= 1
    return f


socket.socket.makefile = makefile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "shim"))
prog = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(prog, run_name="__main__")
