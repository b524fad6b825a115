/// UDP (RFC 768).

/// A decoded UDP header.
public struct UDPHeader: Sendable, Hashable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// Header plus data, in bytes, as the length field says.
    public var length: UInt16
    public var checksum: UInt16
    public static let size = 8

    public init(sourcePort: UInt16, destinationPort: UInt16, length: UInt16, checksum: UInt16) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.checksum = checksum
    }
}

extension UDPHeader {
    /// Reads and records the 8-byte header (RFC 768). The caller narrows the reader to `length`.
    /// `checksumStatus` (computed by the caller, who knows the pseudo-header) only feeds the field's meaning.
    public init(from reader: inout FrameReader, checksumStatus: ChecksumStatus? = nil) throws(WireError) {
        let start = reader.offset
        sourcePort = try reader.u16(.udp, "udp.srcport", meaning: { portMeaning($0, role: "sender") })
        destinationPort = try reader.u16(.udp, "udp.dstport", meaning: { portMeaning($0, role: "receiver") })
        length = try reader.u16(.udp, "udp.length", meaning: { length in
            length < 8 ? "\(length): less than the 8-byte header, impossible" : "the datagram, 8-byte header included, is \(length) bytes: \(Int(length) - 8) bytes of data"
        })
        checksum = try reader.u16(.udp, "udp.checksum", display: hex16, meaning: { value in
            value == 0 && checksumStatus == .unchecked ? "0: the sender did not compute a checksum (allowed over IPv4 only)" : checksumMeaning(value, checksumStatus)
        })
        // RFC 768: length covers the header. (0 only appears in IPv6 jumbograms, RFC 2675.)
        if length != 0, length < 8 {
            throw .invalid(layer: .udp, offset: start + 4, field: "udp.length", reason: "is \(length), less than the 8-byte header")
        }
    }
}
