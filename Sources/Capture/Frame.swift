/// One captured frame, owned by the caller (the bytes are a copy, never a view into libpcap's buffer).
public struct Frame: Sendable {
    /// 1-based position in the capture (across all files of one `read`).
    public var number: Int
    /// Capture time: whole seconds since the epoch and nanoseconds within the second.
    public var seconds: Int64
    public var nanoseconds: UInt32
    /// Bytes present in `bytes`.
    public var capturedLength: Int { bytes.count }
    /// Length of the frame on the wire (may exceed `capturedLength` when the snapshot length cut it).
    public var originalLength: Int
    /// LINKTYPE_ value (1 Ethernet, 113 Linux cooked, 276 SLL2, 0 BSD loopback, 101 raw IP…).
    public var linkType: UInt32
    /// pcapng interface index (0-based, as in the file); nil for classic pcap and live capture.
    public var interfaceIndex: Int?
    public var bytes: [UInt8]

    public init(number: Int, seconds: Int64, nanoseconds: UInt32, originalLength: Int, linkType: UInt32,
                interfaceIndex: Int? = nil, bytes: [UInt8]) {
        self.number = number
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.originalLength = originalLength
        self.linkType = linkType
        self.interfaceIndex = interfaceIndex
        self.bytes = bytes
    }

    /// Seconds since the epoch as a Double (microsecond-exact for current dates; use `seconds`/`nanoseconds` for
    /// exact arithmetic).
    public var time: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    /// Nanoseconds since the epoch (wraps for dates past 2262, which pcap cannot hold in practice).
    public var timeNanoseconds: Int64 { seconds &* 1_000_000_000 &+ Int64(nanoseconds) }
}
