import Foundation

/// Writes classic pcap and pcapng files for the tests, and builds IPv4/TCP/UDP packets (raw IPv4, link type 228,
/// or inside Ethernet) with correct checksums.
struct PcapFile {
    private(set) var data = Data()

    /// A little-endian microsecond pcap header for `linkType`.
    init(linkType: UInt32 = 228, snapLength: UInt32 = 262_144) {
        append32(0xa1b2_c3d4)
        append16(2); append16(4)
        append32(0); append32(0)
        append32(snapLength)
        append32(linkType)
    }

    mutating func add(_ packet: [UInt8], seconds: UInt32, microseconds: UInt32 = 0, originalLength: Int? = nil) {
        append32(seconds); append32(microseconds)
        append32(UInt32(packet.count)); append32(UInt32(originalLength ?? packet.count))
        data.append(contentsOf: packet)
    }

    private mutating func append16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    private mutating func append32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }

    func write(_ name: String) throws -> URL {
        let url = Robustness.temporaryFile(name)
        try data.write(to: url)
        return url
    }
}

/// A little-endian pcapng file: one section, one interface with nanosecond timestamps.
struct PcapngFile {
    private(set) var data = Data()

    init(linkType: UInt16 = 228) {
        var shb = [UInt8]()
        shb += le32(0x1a2b_3c4d) + le16(1) + le16(0) + le64(UInt64.max)  // length unknown
        block(0x0a0d_0d0a, shb)
        // if_tsresol = 9 (nanoseconds), then opt_endofopt.
        let idb = le16(linkType) + le16(0) + le32(0) + le16(9) + le16(1) + [9, 0, 0, 0] + le16(0) + le16(0)
        block(1, idb)
    }

    /// An enhanced packet block; `timestamp` in the interface's units (nanoseconds), any 64-bit value.
    mutating func add(_ packet: [UInt8], timestamp: UInt64) {
        let body = le32(0) + le32(UInt32(timestamp >> 32)) + le32(UInt32(timestamp & 0xffff_ffff))
            + le32(UInt32(packet.count)) + le32(UInt32(packet.count)) + packet
        block(6, body)
    }

    private mutating func block(_ type: UInt32, _ body: [UInt8]) {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(12 + padded.count)
        data.append(contentsOf: le32(type) + le32(length) + padded + le32(length))
    }

    func write(_ name: String) throws -> URL {
        let url = Robustness.temporaryFile(name)
        try data.write(to: url)
        return url
    }
}

func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xff) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(v >> (8 * $0) & 0xff) } }
func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

enum Packet {
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count { sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// An IPv4 header (20 bytes) for `payloadLength` bytes of `proto`, with fragment fields.
    static func ipv4Header(source: UInt32, destination: UInt32, proto: UInt8, payloadLength: Int, id: UInt16 = 1,
                           moreFragments: Bool = false, fragmentOffset: Int = 0) -> [UInt8] {
        let flags: UInt16 = (moreFragments ? 0x2000 : 0) | UInt16(fragmentOffset / 8)
        var header = [0x45, 0] + be16(UInt16(20 + payloadLength)) + be16(id) + be16(flags) + [64, proto, 0, 0]
            + be32(source) + be32(destination)
        let sum = checksum(header)
        header[10] = UInt8(sum >> 8); header[11] = UInt8(sum & 0xff)
        return header
    }

    static func transportChecksum(_ segment: [UInt8], source: UInt32, destination: UInt32, proto: UInt8) -> UInt16 {
        checksum(be32(source) + be32(destination) + [0, proto] + be16(UInt16(segment.count)) + segment)
    }

    static func tcp(source: UInt32, destination: UInt32, sourcePort: UInt16, destinationPort: UInt16, seq: UInt32,
                    ack: UInt32, flags: UInt8, window: UInt16 = 65535, payload: [UInt8] = []) -> [UInt8] {
        var segment = be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(ack) + [0x50, flags] + be16(window)
            + [0, 0, 0, 0] + payload
        let sum = transportChecksum(segment, source: source, destination: destination, proto: 6)
        segment[16] = UInt8(sum >> 8); segment[17] = UInt8(sum & 0xff)
        return ipv4Header(source: source, destination: destination, proto: 6, payloadLength: segment.count) + segment
    }

    static func udp(source: UInt32, destination: UInt32, sourcePort: UInt16, destinationPort: UInt16,
                    payload: [UInt8]) -> [UInt8] {
        var segment = be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
        let sum = transportChecksum(segment, source: source, destination: destination, proto: 17)
        segment[6] = UInt8(sum >> 8); segment[7] = UInt8(sum & 0xff)
        return ipv4Header(source: source, destination: destination, proto: 17, payloadLength: segment.count) + segment
    }

    static let client: UInt32 = 0x0a00_0002  // 10.0.0.2
    static let server: UInt32 = 0x0a00_0001  // 10.0.0.1
}

/// Deterministic pseudo-random numbers (SplitMix64) so every run makes the same mutants.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
