#!/usr/bin/env python3
"""Writes both directions of one TCP stream as hex, from tshark's follow,tcp,raw (run in the corpus directory).

usage: make_stream.py PCAP STREAM OUT
Output lines: "client HEX" (bytes from the connection's initiator) and "server HEX", one per segment, in order.
"""
import subprocess, sys
pcap, stream, out = sys.argv[1:4]
text = subprocess.run(["tshark", "-r", pcap, "-q", "-z", f"follow,tcp,raw,{stream}"], capture_output=True,
                      text=True, check=True).stdout
lines = []
started = False
for line in text.splitlines():
    if line.startswith("Node 1:"):
        started = True
        continue
    if not started or line.startswith("=") or not line.strip():
        continue
    side = "server" if line.startswith("\t") else "client"
    lines.append(f"{side} {line.strip()}")
with open(out, "w") as f:
    f.write(f"# source: {pcap} tcp stream {stream}; tshark 4.0 follow,tcp,raw\n")
    f.write("\n".join(lines) + "\n")
