#!/usr/bin/env python3
"""Regenerates follow.tsv: tshark's reassembled bytes of every TCP stream of every capture in Captures/,
as lengths and SHA-256 per direction (the oracle for `socketscope follow --format raw`).
Columns: capture, client ip, client port, server ip, server port, client bytes, client sha256,
server bytes, server sha256. The client is tshark's node 0 (the side that sent the first frame)."""
import glob, hashlib, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "..", "..", ".."))
rows = []
for path in sorted(glob.glob(os.path.join(repo, "Captures", "*.pcap"))):
    name = os.path.basename(path)
    streams = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "tcp.stream"],
                             capture_output=True, text=True).stdout.split()
    for stream in sorted(set(int(s) for s in streams if s)):
        out = subprocess.run(["tshark", "-r", path, "-q", "-o", "tcp.reassemble_out_of_order:TRUE",
                              "-z", f"follow,tcp,raw,{stream}"], capture_output=True, text=True).stdout
        nodes, data = {}, {0: b"", 1: b""}
        for line in out.splitlines():
            if line.startswith("Node 0: ") or line.startswith("Node 1: "):
                nodes[int(line[5])] = line[8:].rsplit(":", 1)
            elif line and not line.startswith(("=", "Follow:", "Filter:", "Node")):
                side = 1 if line.startswith("\t") else 0
                data[side] += bytes.fromhex(line.strip())
        if len(nodes) < 2:
            continue
        rows.append("\t".join([name, nodes[0][0], nodes[0][1], nodes[1][0], nodes[1][1],
                               str(len(data[0])), hashlib.sha256(data[0]).hexdigest(),
                               str(len(data[1])), hashlib.sha256(data[1]).hexdigest()]))
with open(os.path.join(here, "follow.tsv"), "w") as f:
    f.write("\n".join(rows) + "\n")
print(f"wrote {len(rows)} streams")
