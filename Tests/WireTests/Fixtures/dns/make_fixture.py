#!/usr/bin/env python3
"""Writes a text fixture from one captured frame, using tshark 4.0 as the oracle.

usage: make_fixture.py PCAP FRAME LAYER(dns|dhcp|http) OUT [--payload udp|tcp]

The fixture holds the transport payload as hex and, for every leaf field tshark shows in LAYER (minus the
few it derives without bytes of their own), its name, offset relative to the payload, length and value:
    # source ...
    hex 5934...
    field dns.id<TAB>0<TAB>2<TAB>0x5934
Run from the corpus directory; fixtures are committed, so the tests never run tshark.
"""
import json, subprocess, sys

SKIP = {"dns.qry.name.len", "dns.count.labels", "dns.response_to", "dns.response_in", "dns.time",
        "dns.retransmission", "dns.retransmit_request_in", "dns.retransmit_response_in", "dns.unsolicited",
        "dhcp.option.value", "dhcp.hw.addr", "dhcp.client_id.type", "dhcp.client_hardware_address",
        "http.request.full_uri", "http.request.uri.path", "http.request.uri.query",
        "http.request.uri.query.parameter", "http.response_for.uri", "http.time", "http.request_in",
        "http.response_in", "http.prev_request_in", "http.prev_response_in", "http.next_request_in",
        "http.next_response_in", "http.request_number", "http.response_number", "http.response.code.desc",
        "http.content_length", "http.path_segment", "http.path_sub_segment", "http.cookie_pair",
        "http.chat", "http.request", "http.response", "dns.flags.conflict", "dns.flags.tentative"}

def pairs(hook):
    return hook

def walk(obj, out):
    for key, value in obj:
        if isinstance(value, list) and key.endswith("_raw"):
            continue
        if isinstance(value, list) and value and isinstance(value[0], list):
            for v in value:
                walk(v, out)
            continue
        if isinstance(value, list):
            walk(value, out)
            continue
        raw = [v for k, v in obj if k == key + "_raw"]
        if raw and isinstance(raw[0], list) and len(raw[0]) == 5 and key not in SKIP and not key.startswith("_ws"):
            # several pairs with the same key: match the n-th value to the n-th raw
            same = [v for k, v in obj if k == key]
            raws = [v for k, v in obj if k == key + "_raw"]
            index = sum(1 for item in out if item[0] == key and item[4] is obj)
            if index < len(raws):
                r = raws[index]
                out.append((key, r[1], r[2], same[index], obj))

def main():
    pcap, frame, layer, outpath = sys.argv[1:5]
    transport = sys.argv[6] if len(sys.argv) > 6 else "udp"
    data = subprocess.run(["tshark", "-r", pcap, "-Y", f"frame.number=={frame}", "-T", "json", "-x"],
                          capture_output=True, text=True, check=True).stdout
    packets = json.loads(data, object_pairs_hook=lambda kv: kv)
    layers = dict(packets[0])["_source"]
    layers = dict(layers)["layers"]
    layers = dict(layers)
    payload = subprocess.run(["tshark", "-r", pcap, "-Y", f"frame.number=={frame}", "-T", "fields", "-e",
                              f"{transport}.payload"], capture_output=True, text=True, check=True).stdout.strip()
    payload = payload.replace(":", "")
    base_raw = dict(layers[transport]).get(f"{transport}.payload_raw")
    base = base_raw[1]
    out = []
    walk(layers[layer], out)
    with open(outpath, "w") as f:
        f.write(f"# source: {pcap} frame {frame} ({layer}); values from tshark 4.0 -T json\n")
        f.write(f"hex {payload}\n")
        for name, off, length, value, _ in out:
            if isinstance(value, str):
                value = value.replace("\r", "\\r").replace("\n", "\\n")
                f.write(f"field {name}\t{off - base}\t{length}\t{value}\n")

main()
