#!/usr/bin/env bash
# check.sh SCENARIO FILE: does the capture show what the scenario claims?
# Uses tshark display filters; prints one line per check, exits 1 if any fails.
set -uo pipefail
s=$1 f=$2
BOARD=192.168.4.2 LAN=192.168.4.1
fail=0

count() { tshark -r "$f" -Y "$1" 2>/dev/null | wc -l; }
expect() { # expect "what" FILTER OP N
    local n; n=$(count "$2")
    if [ "$n" "$3" "$4" ]; then echo "  ok   $1 ($n)"; else echo "  FAIL $1: '$2' matched $n, want $3 $4"; fail=1; fi
}

[ -s "$f" ] || { echo "  FAIL $f missing"; exit 1; }
capinfos "$f" >/dev/null 2>&1 || { echo "  FAIL $f is not a valid capture"; exit 1; }
size=$(stat -c %s "$f")
if (( size < 200000 )); then echo "  ok   size $size bytes"; else echo "  FAIL size $size >= 200000"; fail=1; fi
expect "frames" "frame" -gt 0

# the board's profile, wherever the board opens or accepts a connection
syn="ip.src==$BOARD && tcp.flags.syn==1"
if (( $(count "$syn") > 0 )); then
    expect "board SYN: MSS 536, TTL 255, no SACK/TS/WS, DF clear" \
        "$syn && (tcp.options.mss_val!=536 || ip.ttl!=255 || tcp.options.sack_perm || tcp.options.timestamp.tsval || tcp.options.wscale.shift || ip.flags.df==1)" -eq 0
fi
expect "board MAC is Espressif (5c:cf:7f)" "eth.src[0:3]==5c:cf:7f" -gt 0

case $s in
    http-get)
        expect "HTTP/1.0 request" 'http.request.version=="HTTP/1.0"' -eq 1
        expect "server data in 536-byte segments" "ip.src==$LAN && tcp.len==536" -ge 2
        expect "server FIN" "ip.src==$LAN && tcp.flags.fin==1" -eq 1
        expect "board FIN" "ip.src==$BOARD && tcp.flags.fin==1" -eq 1
        expect "no RST" "tcp.flags.reset==1" -eq 0
        ;;
    http-get-by-name)
        expect "DNS A query for example.lab" 'dns.flags.response==0 && dns.qry.name=="example.lab" && dns.qry.type==1' -eq 1
        expect "no AAAA query" 'dns.qry.type==28' -eq 0
        expect "DNS answer" 'dns.flags.response==1 && dns.a==192.168.4.1' -eq 1
        expect "HTTP request" 'http.request' -eq 1
        ;;
    tcp-client-echo)
        expect "3 lines to port 7" "ip.src==$BOARD && tcp.dstport==7 && tcp.len>0" -eq 3
        expect "3 echoes" "ip.src==$LAN && tcp.srcport==7 && tcp.len>0" -eq 3
        expect "board FIN" "ip.src==$BOARD && tcp.flags.fin==1" -eq 1
        ;;
    tcp-server)
        expect "clients' SYNs to the board" "ip.dst==$BOARD && tcp.dstport==80 && tcp.flags.syn==1 && tcp.flags.ack==0" -eq 2
        expect "board SYN/ACK" "ip.src==$BOARD && tcp.flags.syn==1 && tcp.flags.ack==1" -eq 2
        expect "board FINs" "ip.src==$BOARD && tcp.flags.fin==1" -eq 2
        ;;
    udp-echo)
        expect "3 datagrams to port 7" "ip.src==$BOARD && udp.dstport==7" -eq 3
        expect "3 replies" "ip.src==$LAN && udp.srcport==7" -eq 3
        ;;
    refused)
        expect "SYN" "ip.src==$BOARD && tcp.flags.syn==1" -eq 1
        expect "RST/ACK from the server" "ip.src==$LAN && tcp.flags.reset==1 && tcp.flags.ack==1" -eq 1
        ;;
    no-answer)
        expect "SYN retransmissions" "ip.src==$BOARD && tcp.flags.syn==1 && tcp.analysis.retransmission" -ge 2
        expect "nothing from the server" "ip.src==$LAN && tcp" -eq 0
        ;;
    reset-by-server)
        expect "request sent" "ip.src==$BOARD && tcp.len>0" -eq 1
        expect "RST from the server" "ip.src==$LAN && tcp.flags.reset==1" -eq 1
        ;;
    board-closes-unread)
        expect "RST from the board" "ip.src==$BOARD && tcp.flags.reset==1" -ge 1
        expect "no FIN from the board" "ip.src==$BOARD && tcp.flags.fin==1" -eq 0
        ;;
    slow-reader)
        expect "board advertises zero window" "ip.src==$BOARD && tcp.analysis.zero_window" -ge 1
        expect "server probes or waits (window full/zero-window probe)" "tcp.analysis.zero_window_probe || tcp.analysis.window_full" -ge 1
        expect "window updates from the board" "ip.src==$BOARD && tcp.analysis.window_update" -ge 1
        ;;
    lossy)
        expect "retransmissions" "tcp.analysis.retransmission || tcp.analysis.fast_retransmission" -ge 1
        expect "duplicate ACKs or gaps" "tcp.analysis.duplicate_ack || tcp.analysis.lost_segment || tcp.analysis.out_of_order || tcp.analysis.ack_lost_segment" -ge 1
        ;;
    keep-alive-hang)
        expect "HTTP/1.1 request" 'http.request.version=="HTTP/1.1"' -eq 1
        expect "server FIN only after >= 2.5 s of silence" "ip.src==$LAN && tcp.flags.fin==1 && tcp.time_delta >= 2.5" -eq 1
        ;;
    chunked)
        expect "chunked response" 'http.transfer_encoding=="chunked"' -eq 1
        expect "chunks" 'http.chunk_size' -ge 1
        ;;
    dns-nxdomain)
        expect "query for nosuch.lab" 'dns.flags.response==0 && dns.qry.name=="nosuch.lab"' -ge 1
        expect "NXDOMAIN" 'dns.flags.rcode==3' -ge 1
        expect "no TCP" 'tcp' -eq 0
        ;;
    accept-queue-full)
        # Linux ignores SYNs while the accept queue is full (lwIP would
        # complete the handshake and send RST): the extra clients retransmit
        expect "4 clients' SYNs" "ip.dst==$BOARD && tcp.dstport==80 && tcp.flags.syn==1 && tcp.flags.ack==0 && !tcp.analysis.retransmission" -eq 4
        expect "SYNs retransmitted while the queue is full" "ip.dst==$BOARD && tcp.flags.syn==1 && tcp.analysis.retransmission" -ge 1
        expect "all 4 served in the end" "ip.src==$BOARD && tcp.srcport==80 && tcp.len>0" -ge 4
        ;;
    wifi-join)
        for t in 1 2 3 5; do expect "DHCP message type $t" "dhcp.option.dhcp==$t" -eq 1; done
        expect "hostname option ESP_A1B2C3" 'dhcp.option.hostname=="ESP_A1B2C3"' -eq 2
        expect "parameter list 1,3,28,6,15,44,46,47,31,33,121,43" 'dhcp.option.request_list_item==43 && dhcp.option.dhcp==1' -eq 1
        expect "ARP probe/gratuitous ARP from the board" "arp.src.hw_mac==$(printf 5c:cf:7f:a1:b2:c3) && arp.opcode==1" -ge 2
        ;;
esac
if (( fail )); then echo "check $s: FAILED"; exit 1; fi
echo "check $s: ok"
