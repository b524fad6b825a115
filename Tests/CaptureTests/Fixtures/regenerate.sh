#!/usr/bin/env bash
# Regenerates frames.tsv: tshark's view of every frame of a set of corpus captures (the oracle for the reader).
# Columns: file, frame number, epoch time (ns precision), captured length, wire length, interface id.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(cd "$here/../../../../shared/corpus" && pwd)
files=(
  gopacket/test_ethernet.pcap
  gopacket/test_loopback.pcap
  tcpdump/tcp-handshake-nano.pcap
  pcapplusplus/nanosecs_big_endian.pcap
  pcapplusplus/many_interfaces-1.pcapng
  pcapplusplus/pcapng-example.pcapng
  pcapng-test-generator/le_test001.pcapng
  pcapng-test-generator/be_test001.pcapng
  pcapng-test-generator/le_test006.pcapng
  pcapng-test-generator/le_test016.pcapng

  chrissanders-packets/http_post.pcapng
)
out="$here/frames.tsv"
: > "$out"
for f in "${files[@]}"; do
  tshark -r "$corpus/$f" -Y 'frame.len > 0 && !pcapng' -T fields -t e -E separator=/t \
    -e frame.number -e frame.time_epoch -e frame.cap_len -e frame.len -e frame.interface_id 2>/dev/null \
    | sed "s|^|$f\t|" >> "$out"
done
echo "wrote $(wc -l < "$out") rows to $out"
