#!/bin/sh
# Regenerates the tshark oracle fixtures for SessionsTests (run once; tests never run tshark).
# captures/: lab captures copied from Captures/ and corpus files (zeek, chrissanders-packets, pcapplusplus).
# For each capture C: C.analysis.tsv (per TCP frame: number, relative seq, relative ack, analysis flags,
# dup-ack number) and C.follow.txt (per TCP stream: both directions' reassembled bytes as hex).
set -eu
cd "$(dirname "$0")"
FLAGS="retransmission fast_retransmission spurious_retransmission out_of_order lost_segment ack_lost_segment duplicate_ack zero_window zero_window_probe zero_window_probe_ack window_full window_update keep_alive keep_alive_ack reused_ports"
for capture in captures/*.pcap captures/*.pcapng; do
    fields="-e frame.number -e tcp.stream -e tcp.seq -e tcp.ack"
    for flag in $FLAGS; do fields="$fields -e tcp.analysis.$flag"; done
    fields="$fields -e tcp.analysis.duplicate_ack_num"
    # shellcheck disable=SC2086
    tshark -r "$capture" -o tcp.reassemble_out_of_order:TRUE -o tcp.relative_sequence_numbers:TRUE -Y tcp \
        -T fields $fields 2>/dev/null | FLAGS="$FLAGS" python3 -c '
import os, sys
names = os.environ["FLAGS"].split()
for line in sys.stdin:
    cols = line.rstrip("\n").split("\t")
    number, stream, seq, ack = cols[:4]
    marks = cols[4:4 + len(names)]
    flags = ",".join(n for n, m in zip(names, marks) if m)
    dup = cols[4 + len(names)] if len(cols) > 4 + len(names) else ""
    print("\t".join([number, stream, seq, ack, flags or "-", dup or "-"]))
' > "$capture.analysis.tsv"
    : > "$capture.follow.txt"
    for stream in $(tshark -r "$capture" -Y tcp -T fields -e tcp.stream 2>/dev/null | sort -un); do
        tshark -r "$capture" -q -o tcp.reassemble_out_of_order:TRUE -z "follow,tcp,raw,$stream" 2>/dev/null \
            | STREAM="$stream" python3 -c '
import os, sys
node0, data = "", {0: [], 1: []}
for line in sys.stdin:
    if line.startswith("Node 0: "): node0 = line[8:].strip()
    elif line.startswith("=") or ":" in line or not line.strip(): continue
    elif line.startswith("\t"): data[1].append(line.strip())
    else: data[0].append(line.strip())
print("stream", os.environ["STREAM"], node0)
print("0", "".join(data[0]) or "-")
print("1", "".join(data[1]) or "-")
' >> "$capture.follow.txt"
    done
done
