/// TCP (RFC 9293).

/// The TCP flag bits, in header order.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
    /// Names in the order `read --format json` lists them.
    public static let names: [(TCPFlags, String)] = [
        (.syn, "SYN"), (.ack, "ACK"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.urg, "URG"),
        (.ece, "ECE"), (.cwr, "CWR"),
    ]
    public var names: [String] { TCPFlags.names.filter { contains($0.0) }.map { $0.1 } }
}

/// TCP options a decoder understood (RFC 9293 §3.2, RFC 7323, RFC 2018).
public struct TCPOptions: Sendable, Hashable {
    public var mss: UInt16?
    public var windowScale: UInt8?
    public var sackPermitted = false
    /// SACK blocks as (left edge, right edge) raw sequence numbers.
    public var sackBlocks: [(UInt32, UInt32)] = []
    public var timestamp: (value: UInt32, echo: UInt32)?
    /// Kinds seen, in order (including NOP and EOL), for fingerprints such as "MSS only".
    public var kinds: [UInt8] = []

    public init() {}

    public static func == (lhs: TCPOptions, rhs: TCPOptions) -> Bool {
        lhs.mss == rhs.mss && lhs.windowScale == rhs.windowScale && lhs.sackPermitted == rhs.sackPermitted
            && lhs.sackBlocks.elementsEqual(rhs.sackBlocks, by: { $0 == $1 })
            && lhs.timestamp?.value == rhs.timestamp?.value && lhs.timestamp?.echo == rhs.timestamp?.echo
            && lhs.kinds == rhs.kinds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(mss)
        hasher.combine(windowScale)
        hasher.combine(kinds)
    }
}

/// A decoded TCP header.
public struct TCPHeader: Sendable, Hashable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgementNumber: UInt32
    /// Header length in bytes (data offset × 4).
    public var headerLength: Int
    public var flags: TCPFlags
    public var window: UInt16
    public var checksum: UInt16
    public var urgentPointer: UInt16
    public var options: TCPOptions

    public init(sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgementNumber: UInt32,
                headerLength: Int, flags: TCPFlags, window: UInt16, checksum: UInt16, urgentPointer: UInt16,
                options: TCPOptions = TCPOptions()) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgementNumber = acknowledgementNumber
        self.headerLength = headerLength
        self.flags = flags
        self.window = window
        self.checksum = checksum
        self.urgentPointer = urgentPointer
        self.options = options
    }
}
