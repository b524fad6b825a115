// Builds IPv4/TCP and IPv4/UDP packets (raw IPv4, LINKTYPE_IPV4 228) for targets that synthesise traffic.

/// RFC 1071 one's-complement sum.
func internetChecksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt16 {
    var sum = initial
    var i = 0
    while i + 1 < bytes.count {
        sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
        i += 2
    }
    if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
    while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
    return ~UInt16(sum)
}

func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

/// An IPv4 packet carrying `transport` (protocol 6 or 17) whose checksum field sits at `checksumOffset`.
func ipv4Packet(source: UInt32, destination: UInt32, protocolNumber: UInt8, id: UInt16, ttl: UInt8 = 64,
                transport: [UInt8], checksumOffset: Int, badChecksum: Bool = false) -> [UInt8] {
    var segment = transport
    let length = UInt16(truncatingIfNeeded: segment.count)
    var pseudo = be32(source) + be32(destination) + [0, protocolNumber] + be16(length)
    pseudo += segment
    var checksum = internetChecksum(pseudo)
    if badChecksum { checksum ^= 0x5a5a }
    segment[checksumOffset] = UInt8(checksum >> 8)
    segment[checksumOffset + 1] = UInt8(checksum & 0xff)
    var header: [UInt8] = [0x45, 0] + be16(UInt16(truncatingIfNeeded: 20 + segment.count)) + be16(id) + [0x40, 0, ttl,
        protocolNumber, 0, 0] + be32(source) + be32(destination)
    let headerChecksum = internetChecksum(header)
    header[10] = UInt8(headerChecksum >> 8)
    header[11] = UInt8(headerChecksum & 0xff)
    return header + segment
}

func tcpPacket(source: UInt32, destination: UInt32, sourcePort: UInt16, destinationPort: UInt16, seq: UInt32,
               ack: UInt32, flags: UInt8, window: UInt16, options: [UInt8] = [], payload: [UInt8], id: UInt16 = 0,
               badChecksum: Bool = false) -> [UInt8] {
    var opts = options
    while opts.count % 4 != 0 { opts.append(0) }
    let dataOffset = UInt8((20 + opts.count) / 4) << 4
    let tcp = be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(ack) + [dataOffset, flags] + be16(window)
        + [0, 0, 0, 0] + opts + payload
    return ipv4Packet(source: source, destination: destination, protocolNumber: 6, id: id, transport: tcp,
                      checksumOffset: 16, badChecksum: badChecksum)
}

func udpPacket(source: UInt32, destination: UInt32, sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8],
               id: UInt16 = 0) -> [UInt8] {
    let udp = be16(sourcePort) + be16(destinationPort) + be16(UInt16(truncatingIfNeeded: 8 + payload.count)) + [0, 0] + payload
    return ipv4Packet(source: source, destination: destination, protocolNumber: 17, id: id, transport: udp,
                      checksumOffset: 6)
}
