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

    /// Nanoseconds since the epoch, clamped to ±(2^62 - 1) (years 1824 to 2116). pcapng timestamps are 64-bit and
    /// can say anything; clamping keeps every difference of two times, and a time plus a timeout, inside Int64, so
    /// the session layer's arithmetic cannot overflow (it trapped on a crafted file whose times wrapped).
    public var timeNanoseconds: Int64 {
        let limit: Int64 = (1 << 62) - 1
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? -limit : limit }
        // Clamp before adding: the fraction is below 2^32, so the sum cannot overflow.
        return min(max(min(max(product, -limit), limit) + Int64(nanoseconds), -limit), limit)
    }
}
