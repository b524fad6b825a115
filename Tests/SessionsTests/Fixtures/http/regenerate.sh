#!/bin/sh
# Regenerates the tshark oracle for HTTPTransactionTests (run once; tests never run tshark).
# Copies the lab captures (Captures/) and corpus files (/work/shared/corpus or $CORPUS) here, then writes C.http.tsv:
# one line per exchange, requests and final responses paired in order per TCP stream:
#   stream request_frame method uri version host response_frame status reason body_length body_sha256 chunked interim
# Head frames come from a pass with http.desegment_body off (the frame completing the head); bodies (de-chunked,
# not decompressed) from a pass with it on (http.file_data_raw). "-" marks an empty field.
set -eu
cd "$(dirname "$0")"
ROOT=../../../..
CORPUS=${CORPUS:-/work/shared/corpus}
for name in http-get http-get-by-name keep-alive-hang chunked lossy; do cp "$ROOT/Captures/$name.pcap" .; done
cp "$CORPUS/markofu-pcaps/http.cap" markofu-http.pcap
cp "$CORPUS/scapy/http_chunk.pcap" scapy-http_chunk.pcap
cp "$CORPUS/pcapplusplus/tcp-reassembly.pcap" pcapplusplus-tcp-reassembly.pcap
cp "$CORPUS/zeek/http_pipelined-requests.pcap" zeek-http_pipelined-requests.pcap
cp "$CORPUS/zeek/http_100-continue.pcap" zeek-http_100-continue.pcap
cp "$CORPUS/suricata-verify/http-ipv6.pcap" suricata-http-ipv6.pcap
cp "$CORPUS/arkime/http-xff.pcap" arkime-http-xff.pcap
for capture in *.pcap; do
    tshark -r "$capture" -o tcp.reassemble_out_of_order:TRUE -o http.decompress_body:FALSE \
        -o http.desegment_body:FALSE -Y http -T json --no-duplicate-keys 2>/dev/null > /tmp/heads.json
    tshark -r "$capture" -o tcp.reassemble_out_of_order:TRUE -o http.decompress_body:FALSE \
        -Y http -T json -x --no-duplicate-keys 2>/dev/null > /tmp/bodies.json
    python3 - "$capture" > "$capture.http.tsv" <<'PY'
import hashlib, json, sys
def listify(v): return v if isinstance(v, list) else [v]
layers_of = {}
def messages(path):
    out = []
    for packet in json.load(open(path)):
        layers = packet["_source"]["layers"]
        frame = int(layers["frame"]["frame.number"])
        layers_of[frame] = layers
        stream = int(listify(layers["tcp"])[0]["tcp.stream"])
        for http in listify(layers.get("http", [])):
            request = response = None
            for key, value in http.items():
                if isinstance(value, dict) and "http.request.method" in value: request = value
                if isinstance(value, dict) and "http.response.code" in value: response = value
            out.append((frame, stream, http, request, response))
    return out
heads = {}
for frame, stream, http, request, response in messages("/tmp/heads.json"):
    if request:
        heads.setdefault(stream, []).append(("req", frame, request["http.request.method"], request["http.request.uri"],
                                             request["http.request.version"], http.get("http.host", "-")))
    elif response:
        heads.setdefault(stream, []).append(("resp", frame, int(response["http.response.code"]),
                                             response.get("http.response.phrase", "") or "-", response["http.response.version"]))
    else:
        # With body desegmentation off, tshark 4.0 sometimes calls a segment that starts with a status line
        # "Continuation" (pcapplusplus tcp-reassembly frames 16, 29…); the full pass shows it is a response head.
        payload = bytes.fromhex(listify(layers_of[frame]["tcp"])[0].get("tcp.payload", "").replace(":", ""))
        if payload.startswith(b"HTTP/1.") and b"\r\n\r\n" in payload:
            version, code, phrase = payload.split(b"\r\n")[0].decode("latin-1").split(" ", 2)
            heads.setdefault(stream, []).append(("resp", frame, int(code), phrase or "-", version))
bodies = {}
for frame, stream, http, request, response in messages("/tmp/bodies.json"):
    if not (request or response): continue
    raw = http.get("http.file_data_raw")
    for key, value in http.items():
        # A content-encoded body (gzip) is kept as is under its own subtree when decompression is off.
        if key.startswith("Content-encoded entity body") and isinstance(value, dict): raw = value.get("data_raw", raw)
    data = bytes.fromhex(raw[0]) if raw else b""
    chunked = "chunked" in http.get("http.transfer_encoding", "")
    bodies.setdefault((stream, "req" if request else "resp"), []).append((data, chunked))
for stream in sorted(heads):
    requests = [h for h in heads[stream] if h[0] == "req"]
    responses = [h for h in heads[stream] if h[0] == "resp"]
    request_bodies = bodies.get((stream, "req"), [])
    response_bodies = [b for b, h in zip(bodies.get((stream, "resp"), []), responses)]
    finals, interim, pending = [], {}, []
    for index, response in enumerate(responses):
        if response[2] < 200: interim[len(finals)] = response[2]
        else: finals.append((response, response_bodies[index] if index < len(response_bodies) else None))
    for index in range(max(len(requests), len(finals))):
        q = requests[index] if index < len(requests) else None
        r, body = finals[index] if index < len(finals) else (None, None)
        cols = [str(stream)]
        cols += [str(q[1]), q[2], q[3], q[4], q[5]] if q else ["-"] * 5
        if r:
            data, chunked = body if body else (b"", False)
            cols += [str(r[1]), str(r[2]), r[3], str(len(data)), hashlib.sha256(data).hexdigest() if data else "-",
                     "1" if chunked else "0"]
        else:
            cols += ["-"] * 6
        cols.append(str(interim.get(index, "-")))
        print("\t".join(cols))
PY
done
rm -f /tmp/heads.json /tmp/bodies.json
