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
