// Prepares seed corpora for the fuzz targets from real captures: frames per link type (frame), DNS and DHCP
// payloads (dns, dhcp), reassembled HTTP streams (http), whole files or their first 64 KiB (pcap), and a few
// hand-written segment scripts (tcp). Built by Fuzz/build against an uninstrumented copy of the modules.
//
// Usage: seeds OUTPUT_DIRECTORY CAPTURE...
import Capture
import Sessions
import Wire
#if canImport(Glibc)
import Glibc
#endif

let linkTypes: [UInt32] = [1, 113, 276, 0, 108, 101, 228, 229, 127, 105, 12, 147]  // frame.swift's order

func fnv(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let text = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - text.count) + text
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fatalError("usage: seeds OUTPUT_DIRECTORY CAPTURE...") }
let output = arguments[1]
var counts: [String: Int] = [:]
var perLinkType: [UInt32: Int] = [:]

func save(_ target: String, _ bytes: [UInt8]) {
    let directory = output + "/" + target
    mkdir(directory, 0o755)
    let path = directory + "/seed-" + fnv(bytes)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fatalError("cannot write \(path)") }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    counts[target, default: 0] += 1
}

func readFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        result += buffer[0..<n]
    }
    return result
}

mkdir(output, 0o755)
for path in arguments.dropFirst(2) {
    let whole = readFile(path)
    save("pcap", Array(whole.prefix(1 << 16)))
    guard let reader = try? CaptureFileReader(path: path) else { continue }
    let tracker = SessionTracker()
    var streams: [Int: [UInt8]] = [:]  // session * 2 + direction
    tracker.onStreamData = { id, direction, chunk in
        if case .data(let bytes, _, _) = chunk {
            let key = id * 2 + Int(direction.rawValue)
            if streams[key, default: []].count < 8192 { streams[key, default: []] += bytes }
        }
    }
    while let frame = try? reader.next() {
        // Frames: at most 40 per file and 400 per link type keep the corpus varied rather than large.
        if let index = linkTypes.firstIndex(of: frame.linkType), perLinkType[frame.linkType, default: 0] < 400,
           frame.number % max(1, reader.framesRead / 40 + 1) == 0 || frame.number <= 40 {
            perLinkType[frame.linkType, default: 0] += 1
            save("frame", [UInt8(index)] + frame.bytes)
            save("frame", [UInt8(index) | 0x80] + frame.bytes.prefix(96))
        }
        let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
        let payload = Array(frame.bytes.dropFirst(decoded.payloadOffset).prefix(decoded.payloadLength))
        if decoded.dns != nil || decoded.stoppedAt?.layer == .dns {
            if decoded.tcp != nil, payload.count > 2 { save("dns", [0x10] + payload.dropFirst(2)) }
            else { save("dns", [0x10] + payload) }
        }
        if decoded.dhcp != nil || decoded.stoppedAt?.layer == .dhcp { save("dhcp", [1] + payload) }
        _ = tracker.process(decoded, bytes: frame.bytes, number: frame.number, timeNanoseconds: frame.timeNanoseconds)
    }
    _ = tracker.finish()
    for (key, stream) in streams {
        let text = String(decoding: stream.prefix(8), as: UTF8.self)
        let methods = ["GET ", "POST", "HEAD", "PUT ", "HTTP", "DELE", "OPTI", "CONN", "PATC"]
        guard methods.contains(where: { text.hasPrefix($0) }) else { continue }
        let responses = key % 2 == 1
        save("http", [responses ? 1 : 0, 0] + stream)  // whole
        save("http", [responses ? 1 : 0, 3, 0, 7, 0x80, 0, 40, 0, 1, 0, 0] + stream)  // split, with a gap
    }
}

// TCP segment scripts (tcp.swift's encoding): a clean exchange and a reordered, lossy one.
let prologue: [UInt8] = [0, 0, 0, 0, 0x03, 0xe8, 0, 0, 0x13, 0x88, 0, 0]
func segment(_ flags: UInt8, server: Bool, seq: Int16 = 0, ack: Int16 = 0, length: UInt8 = 0, time: UInt8 = 1,
             window: UInt8 = 0x40) -> [UInt8] {
    let s = UInt16(bitPattern: seq), a = UInt16(bitPattern: ack)
    return [flags, (server ? 1 : 0) | time << 5, UInt8(s >> 8), UInt8(s & 0xff), UInt8(a >> 8), UInt8(a & 0xff), length, window]
}
let clean = prologue + segment(0x02, server: false, window: 0xff) + segment(0x12, server: true, window: 0xff)
    + segment(0x10, server: false) + segment(0x18, server: false, length: 64) + segment(0x10, server: true)
    + segment(0x18, server: true, length: 60) + segment(0x10, server: false) + segment(0x11, server: false)
    + segment(0x11, server: true) + segment(0x10, server: false)
save("tcp", clean)
let messy = prologue + segment(0x02, server: false) + segment(0x12, server: true) + segment(0x10, server: false)
    + segment(0x18, server: false, seq: 30, length: 30) + segment(0x18, server: false, length: 30)
    + segment(0x18, server: false, seq: -30, length: 30) + segment(0x10, server: true, window: 0)
    + segment(0x18, server: true, seq: 100, length: 0xf3) + segment(0x04, server: false, time: 7)
save("tcp", messy)
let synFlood = [0x01, 0] + Array(prologue.dropFirst(2)) + (0..<64).flatMap { i in
    [0x02, UInt8(i & 3) << 1, UInt8(i), 0, 0, 0, 0, 0x40] as [UInt8]
}
save("tcp", synFlood)

for (target, count) in counts.sorted(by: { $0.key < $1.key }) { print("seeds: \(target): \(count) files") }
