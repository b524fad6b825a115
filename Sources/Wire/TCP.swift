/// TCP (RFC 9293).

/// The TCP flag bits, in header order.
///
/// The flags are inlinable constants rather than stored statics: every frame tests several of them in other
/// modules, and a stored static was a call to its lazy-initialisation accessor per test.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x001) }
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x002) }
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x004) }
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x008) }
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x010) }
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x020) }
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x040) }
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x080) }
    /// Names in the order `read --format json` lists them, as literals (JSON writes them with no escaping pass).
    public static let literalNames: [(TCPFlags, StaticString)] = [
        (.syn, "SYN"), (.ack, "ACK"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.urg, "URG"),
        (.ece, "ECE"), (.cwr, "CWR"),
    ]
    /// `literalNames` as Strings.
    public static let names: [(TCPFlags, String)] = literalNames.map { ($0.0, $0.1.description) }
    public var names: [String] { TCPFlags.names.filter { contains($0.0) }.map { $0.1 } }
}

/// TCP options a decoder understood (RFC 9293 §3.2, RFC 7323, RFC 2018).
///
/// A plain value with no references: the option kinds and SACK blocks are stored inline, sized by the 40-byte
/// option space (at most 40 one-byte kinds; a SACK block takes 8 bytes after a 2-byte option head, so at most 4).
public struct TCPOptions: Sendable, Hashable {
    /// Most option kinds in one header: one byte each in the 40-byte option space (RFC 9293 §3.1).
    public static let maximumKinds = 40
    /// Most SACK blocks in one header: 4 × 8 bytes plus the option's kind and length fill 34 of the 40 bytes.
    public static let maximumSACKBlocks = 4

    public var mss: UInt16?
    public var windowScale: UInt8?
    public var sackPermitted = false
    /// SACK blocks as (left edge, right edge) raw sequence numbers. Setting keeps the first `maximumSACKBlocks`.
    public var sackBlocks: [(UInt32, UInt32)] {
        get { Array(sackBlockList) }
        set {
            sackBlockList.removeAll()
            for block in newValue { sackBlockList.append(block) }
        }
    }
    public var timestamp: (value: UInt32, echo: UInt32)?
    /// Kinds seen, in order (including NOP and EOL), for fingerprints such as "MSS only". Setting keeps the first
    /// `maximumKinds`.
    public var kinds: [UInt8] {
        get { Array(kindList) }
        set {
            kindList.removeAll()
            for kind in newValue { kindList.append(kind) }
        }
    }
    /// Absolute offset of an option whose length did not fit (the rest of the option space was not read).
    public var malformedAt: Int?

    /// `kinds` as stored (no array is built to read it).
    public internal(set) var kindList = InlineList<40, UInt8>(filler: 0)
    /// `sackBlocks` as stored.
    public internal(set) var sackBlockList = InlineList<4, (UInt32, UInt32)>(filler: (0, 0))

    public init() {}

    public static func == (lhs: TCPOptions, rhs: TCPOptions) -> Bool {
        lhs.mss == rhs.mss && lhs.windowScale == rhs.windowScale && lhs.sackPermitted == rhs.sackPermitted
            && lhs.sackBlockList.elementsEqual(rhs.sackBlockList, by: { $0 == $1 })
            && lhs.timestamp?.value == rhs.timestamp?.value && lhs.timestamp?.echo == rhs.timestamp?.echo
            && lhs.kindList == rhs.kindList
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(mss)
        hasher.combine(windowScale)
        hasher.combine(kindList)
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

// MARK: - Parser

/// Well-known ports and what they suggest, for meanings.
func portMeaning(_ port: UInt16, role: String) -> String {
    let service: String?
    switch port {
    case 20, 21: service = "FTP"
    case 22: service = "SSH"
    case 23: service = "Telnet"
    case 25: service = "SMTP"
    case 53: service = "DNS"
    case 67: service = "the DHCP server"
    case 68: service = "the DHCP client"
    case 80: service = "HTTP"
    case 123: service = "NTP (time)"
    case 443: service = "HTTPS"
    case 1883: service = "MQTT"
    case 5353: service = "mDNS"
    case 6667: service = "Tuya device broadcasts"
    case 8080, 8000: service = "an HTTP test server"
    case 8266: service = "MicroPython's WebREPL"
    case 8883: service = "MQTT over TLS"
    default: service = nil
    }
    if let service { return "the \(role) uses port \(port), \(service)" }
    if port >= 49152 { return "the \(role) uses port \(port), a temporary (ephemeral) port the OS picked for this connection" }
    if port >= 32768 { return "the \(role) uses port \(port), probably a temporary port Linux picked" }
    if port >= 1024 { return "the \(role) uses port \(port); lwIP on an ESP8266 picks temporary ports in this range" }
    return "the \(role) uses port \(port), a well-known port"
}

extension TCPHeader {
    public static let minimumSize = 20

    /// Reads and records the header and every option (RFC 9293 §3.1). Leaves the reader at the payload.
    /// `checksumStatus` (computed by the caller, who knows the pseudo-header) only feeds the field's meaning.
    public init(from reader: inout FrameReader, checksumStatus: ChecksumStatus? = nil) throws(WireError) {
        let start = reader.offset
        sourcePort = try reader.u16(.tcp, "tcp.srcport", meaning: { portMeaning($0, role: "sender") })
        destinationPort = try reader.u16(.tcp, "tcp.dstport", meaning: { portMeaning($0, role: "receiver") })
        sequenceNumber = try reader.u32(.tcp, "tcp.seq_raw", meaning: { seq in
            "sequence number of this segment's first byte (a SYN or FIN counts as one byte)" + (seq == 6509 ? "; 6509 is lwIP's first SYN after boot, an ESP8266 sign" : "")
        })
        acknowledgementNumber = try reader.u32(.tcp, "tcp.ack_raw", meaning: { _ in
            "the next sequence number the sender expects from the other side (meaningful when ACK is set)"
        })
        let word = try reader.u16(.tcp, "tcp.flags", display: { hex16($0 & 0x0fff) }, meaning: { word in
            let names = TCPFlags(rawValue: word & 0x0ff).names
            return "header \(Int(word >> 12) * 4) bytes; flags " + (names.isEmpty ? "none" : names.joined(separator: ", "))
        })
        reader.bits(.tcp, "tcp.hdr_len", mask: 0xf000, value: UInt64(word >> 12) * 4,
                    meaning: { $0 == 20 ? "20-byte header: no options" : "\($0)-byte header" + ($0 < 20 ? ", less than the 20-byte minimum" : ", so \($0 - 20) bytes of options") })
        reader.bits(.tcp, "tcp.flags.res", mask: 0x0e00, value: UInt64(word >> 9 & 7), meaning: { _ in "reserved bits" })
        reader.bits(.tcp, "tcp.flags.ae", mask: 0x0100, value: UInt64(word >> 8 & 1), meaning: { _ in "accurate ECN (rare)" })
        if reader.isRecording {  // (the fast path builds no table, not even an empty one to release)
            let flagMeanings: [(String, UInt16, String)] = [
                ("tcp.flags.cwr", 0x80, "congestion window reduced (ECN)"),
                ("tcp.flags.ece", 0x40, "ECN echo: the sender saw congestion marks"),
                ("tcp.flags.urg", 0x20, "urgent pointer is valid (almost never used)"),
                ("tcp.flags.ack", 0x10, "the acknowledgement number is valid; set on every segment after the first SYN"),
                ("tcp.flags.push", 0x08, "push: hand the data to the application now; lwIP sets it on the last segment of each write"),
                ("tcp.flags.reset", 0x04, "reset: the connection is aborted at once (port closed, or a socket closed with unread data)"),
                ("tcp.flags.syn", 0x02, "synchronise: opens a connection and carries the initial sequence number"),
                ("tcp.flags.fin", 0x01, "finish: the sender has no more data (socket.close())"),
            ]
            for (name, mask, meaning) in flagMeanings {
                reader.bits(.tcp, name, mask: UInt64(mask), value: word & mask == 0 ? 0 : 1,
                            meaning: { $0 == 1 ? meaning : "not set" })
            }
        }
        headerLength = Int(word >> 12) * 4
        flags = TCPFlags(rawValue: word & 0x0ff)
        window = try reader.u16(.tcp, "tcp.window_size_value", meaning: { window in
            window == 0 ? "window 0: the sender's receive buffer is full; the other side must wait (the application is not reading)"
                : window == 2144 ? "the sender can take 2144 more bytes (before scaling); MicroPython's lwIP default on an ESP8266"
                : "the sender can take \(window) more bytes (before any window scaling)"
        })
        checksum = try reader.u16(.tcp, "tcp.checksum", display: hex16,
                                  meaning: { checksumMeaning($0, checksumStatus) })
        urgentPointer = try reader.u16(.tcp, "tcp.urgent_pointer", meaning: { $0 == 0 ? "no urgent data" : "urgent data ends \($0) bytes in" })
        // RFC 9293 §3.1: data offset is at least 5 words and the header must fit.
        guard headerLength >= Self.minimumSize else {
            throw .invalid(layer: .tcp, offset: start + 12, field: "tcp.hdr_len",
                           reason: "is \(headerLength) bytes, less than the 20-byte minimum")
        }
        options = TCPOptions()
        if headerLength > Self.minimumSize {
            try Self.readOptions(&reader, length: headerLength - Self.minimumSize, into: &options)
        }
    }

    /// The options (RFC 9293 §3.2). Lengths are validated against the option space; a bad one ends the list
    /// with a `tcp.options.malformed` field, as Wireshark flags it, rather than stopping the segment.
    static func readOptions(_ reader: inout FrameReader, length: Int, into options: inout TCPOptions) throws(WireError) {
        try reader.require(length, .tcp)
        let end = reader.offset + length
        reader.beginGroup(.tcp, "tcp.options", value: { "\(length) bytes" }, meaning: { "TCP options, negotiated mostly in the SYN" })
        defer { reader.endGroup() }
        while reader.offset < end {
            let kind = reader.peekU8(at: reader.offset) ?? 0
            options.kindList.append(kind)  // cannot be full: each kind takes at least one of the 40 bytes
            if kind == 0 {
                reader.beginGroup(.tcp, "tcp.options.eol", value: { "1 byte" }, meaning: { "end of the option list" })
                _ = try reader.u8(.tcp, "tcp.option_kind", meaning: { _ in "end of the option list (kind 0)" })
                reader.endGroup()
                if reader.offset < end {
                    _ = try reader.bytes(.tcp, "tcp.options.padding", count: end - reader.offset,
                                         meaning: { _ in "padding after the end of the option list" })
                }
                return
            }
            if kind == 1 {
                reader.beginGroup(.tcp, "tcp.options.nop", value: { "1 byte" }, meaning: { "no-operation: aligns the next option to 4 bytes" })
                _ = try reader.u8(.tcp, "tcp.option_kind", meaning: { _ in "no-operation (kind 1)" })
                reader.endGroup()
                continue
            }
            let optionLength = Int(reader.peekU8(at: reader.offset + 1) ?? 0)
            guard end - reader.offset >= 2, optionLength >= 2, optionLength <= end - reader.offset else {
                options.malformedAt = reader.offset
                let left = end - reader.offset
                _ = try reader.bytes(.tcp, "tcp.options.malformed", count: left, meaning: { _ in
                    "option kind \(kind) claims \(optionLength) bytes but \(left) are left (and at least 2 are needed): the rest cannot be read"
                })
                return
            }
            let expected: Int?
            let name: String
            switch kind {
            case 2: expected = 4; name = "tcp.options.mss"
            case 3: expected = 3; name = "tcp.options.wscale"
            case 4: expected = 2; name = "tcp.options.sack_perm"
            case 5: expected = nil; name = "tcp.options.sack"
            case 8: expected = 10; name = "tcp.options.timestamp"
            default: expected = nil; name = "tcp.options.unknown"
            }
            let wellFormed = expected.map { $0 == optionLength }
                ?? (kind != 5 || (optionLength - 2) % 8 == 0)
            reader.beginGroup(.tcp, name, value: { "\(optionLength) bytes" }, meaning: { tcpOptionName(kind) })
            _ = try reader.u8(.tcp, "tcp.option_kind", meaning: { _ in tcpOptionName(kind) })
            _ = try reader.u8(.tcp, "tcp.option_len", meaning: { length in
                wellFormed ? "the option is \(length) bytes long" : "the option is \(length) bytes long, which is wrong for this kind: its value is not read"
            })
            if !wellFormed || (kind != 2 && kind != 3 && kind != 4 && kind != 5 && kind != 8) {
                if optionLength > 2 {
                    _ = try reader.bytes(.tcp, "tcp.options.unknown.payload", count: optionLength - 2,
                                         meaning: { _ in "the option's data" })
                }
            } else {
                switch kind {
                case 2:
                    options.mss = try reader.u16(.tcp, "tcp.options.mss_val", meaning: { mss in
                        "maximum segment size: send at most \(mss) data bytes per segment" + (mss == 536 ? "; 536 is lwIP's default, as on an ESP8266" : mss == 1460 ? "; the usual value on Ethernet/Wi-Fi" : "")
                    })
                case 3:
                    options.windowScale = try reader.u8(.tcp, "tcp.options.wscale.shift", meaning: { shift in
                        "window scale: multiply this side's later windows by \(1 << min(Int(shift), 14)) (ESP8266 lwIP never sends this)"
                    })
                case 4:
                    options.sackPermitted = true
                case 5:
                    let blocks = (optionLength - 2) / 8
                    for _ in 0..<blocks {
                        let left = try reader.u32(.tcp, "tcp.options.sack_le", meaning: { _ in "left edge of a block the receiver already has" })
                        let right = try reader.u32(.tcp, "tcp.options.sack_re", meaning: { _ in "right edge (exclusive) of that block: the bytes before it are missing" })
                        options.sackBlockList.append((left, right))  // at most 4 fit, see maximumSACKBlocks
                    }
                default:
                    let value = try reader.u32(.tcp, "tcp.options.timestamp.tsval", meaning: { _ in "the sender's timestamp clock" })
                    let echo = try reader.u32(.tcp, "tcp.options.timestamp.tsecr", meaning: { _ in "the last timestamp received from the other side, echoed back to measure round-trip time" })
                    options.timestamp = (value, echo)
                }
            }
            reader.endGroup()
        }
    }
}

func tcpOptionName(_ kind: UInt8) -> String {
    switch kind {
    case 2: return "maximum segment size option"
    case 3: return "window scale option"
    case 4: return "SACK permitted option: the sender can report missing blocks"
    case 5: return "SACK option: blocks received beyond a gap"
    case 8: return "timestamps option"
    case 30: return "multipath TCP option"
    case 34: return "TCP fast open cookie option"
    default: return "TCP option kind \(kind)"
    }
}

/// A transport checksum's meaning, from its verdict.
func checksumMeaning(_ value: UInt16, _ status: ChecksumStatus?) -> String {
    switch status {
    case .good?: return "checksum \(hex16(value)) over the pseudo-header, header and data is correct"
    case .bad?: return "checksum \(hex16(value)) is wrong: the segment was corrupted on the way (the receiver drops it)"
    case .offloaded?: return "checksum not filled in yet: the sender's network card computes it (checksum offload; the capture was taken on the sender), not an error"
    case .unchecked?, nil: return "checksum \(hex16(value)), not checked (not every byte it covers was captured)"
    }
}
