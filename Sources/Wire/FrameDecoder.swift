/// Decodes whole frames by link type. The entry point of the `Wire` module.
///
/// Each protocol file holds a header type whose `init(from:)` reads (and records) its own fields; this file glues
/// them together, fills `DecodedFrame`, and makes sure every captured byte ends up in exactly one field: layers
/// whose length field is shorter than what was captured leave padding or a trailer, and a decoder that stops
/// early leaves a `<layer>.truncated` (or `.malformed`) field over whatever it could not read.
public enum FrameDecoder {
    /// LINKTYPE_ values this decoder understands (pcap's link-layer header types registry).
    public enum LinkType {
        // Values from the tcpdump.org link-layer header types list.
        public static let null: UInt32 = 0
        public static let ethernet: UInt32 = 1
        public static let rawOpenBSD: UInt32 = 12
        public static let rawIP: UInt32 = 101
        public static let ieee80211: UInt32 = 105
        public static let loop: UInt32 = 108
        public static let linuxSLL: UInt32 = 113
        public static let radiotap: UInt32 = 127
        public static let ipv4: UInt32 = 228
        public static let ipv6: UInt32 = 229
        public static let linuxSLL2: UInt32 = 276
    }

    /// Decodes one captured frame. Never traps: malformed input ends in `stoppedAt`.
    ///
    /// - Parameters:
    ///   - recordFields: record every field in `fields` (for explain); otherwise the fast path, where no
    ///     meaning or display text is ever built.
    ///   - outgoing: whether the capturing machine sent this frame (bad or zero checksums are then `offloaded`).
    ///     nil lets the link layer decide (SLL packet type 4 "outgoing", or a source MAC in `localMACs`).
    ///   - localMACs: the capturing machine's own interface addresses.
    public static func decode(_ bytes: [UInt8], linkType: UInt32, recordFields: Bool = false,
                              outgoing: Bool? = nil, localMACs: Set<MACAddress> = []) -> DecodedFrame {
        // Filled through `inout` and returned from a plain local: returning the frame from the function below
        // copied it (and retained every field) instead of moving it.
        var frame = DecodedFrame(linkType: linkType)
        decode(bytes, into: &frame, recordFields: recordFields, outgoing: outgoing, localMACs: localMACs)
        return frame
    }

    /// `decode` into memory the caller keeps (a flow-partitioned worker's slab of decoded frames), initialised
    /// here: returned, the frame was copied there from the callee's.
    public static func decode(_ bytes: [UInt8], linkType: UInt32, localMACs: Set<MACAddress> = [],
                              initializing slot: UnsafeMutablePointer<DecodedFrame>) {
        slot.initialize(to: DecodedFrame(linkType: linkType))
        decode(bytes, into: &slot.pointee, recordFields: false, outgoing: nil, localMACs: localMACs)
    }

    private static func decode(_ bytes: [UInt8], into frame: inout DecodedFrame, recordFields: Bool,
                               outgoing: Bool?, localMACs: Set<MACAddress>) {
        let linkType = frame.linkType
        let recorder = recordFields ? FieldRecorder() : nil
        var reader = FrameReader(bytes: bytes, recorder: recorder)
        var context = DecodeContext(outgoing: outgoing)
        do {
            try decodeLink(linkType, &reader, &frame, &context, localMACs: localMACs)
            // Whatever a decoder left before the current end is data nobody understood.
            try recordData(&reader, .payload, "data", meaning: "bytes SocketScope does not decode")
        } catch {
            frame.stoppedAt = error
            recorder?.closeAll(at: reader.offset)
            let count = reader.remaining
            if count > 0, reader.isRecording {
                let suffix: String
                if case .truncated = error { suffix = "truncated" } else { suffix = "malformed" }
                let layer = error.layer == .frame ? Layer.payload : error.layer
                reader.record(layer, "\(layer.fieldPrefix).\(suffix)", offset: reader.offset, length: count,
                              value: { hexString(reader.slice(reader.offset..<(reader.offset + count))) },
                              meaning: { "\(count) bytes that could not be decoded: \(error.summary)" })
            }
            if count > 0 { try? reader.skip(count, .payload) }
        }
        context.unwind(&reader)
        if !frame.hasStopped, let short = context.shortfall { frame.stoppedAt = short.error }
        if let recorder { frame.fields = recorder.fields }
    }

    // MARK: Link layer

    /// `localMACs` is a parameter rather than part of the context: borrowed, it costs no retain per frame.
    static func decodeLink(_ linkType: UInt32, _ reader: inout FrameReader, _ frame: inout DecodedFrame,
                           _ context: inout DecodeContext, localMACs: Set<MACAddress>) throws(WireError) {
        // pcap keeps FCS-length and reserved bits above the low 16 bits of the link-type field.
        switch linkType & 0xffff {
        case LinkType.ethernet:
            context.linkTrailing = .ethernet
            let type = try EthernetHeader.decode(&reader, &frame, &context, localMACs: localMACs)
            try decodeNetwork(etherType: type, &reader, &frame, &context)
        case LinkType.linuxSLL:
            let header = try LinuxCookedHeader(from: &reader)
            applyCooked(header, &frame, &context)
            try decodeNetwork(etherType: header.protocolType, &reader, &frame, &context)
        case LinkType.linuxSLL2:
            let header = try LinuxCookedHeader(sll2From: &reader)
            applyCooked(header, &frame, &context)
            try decodeNetwork(etherType: header.protocolType, &reader, &frame, &context)
        case LinkType.null, LinkType.loop:
            let header = try LoopbackHeader(from: &reader, networkOrder: linkType & 0xffff == LinkType.loop)
            guard let type = header.etherType else { return }
            frame.etherType = type.rawValue
            try decodeNetwork(etherType: type, &reader, &frame, &context)
        case LinkType.rawIP, LinkType.rawOpenBSD, 14:
            guard let first = reader.peekU8(at: reader.offset) else {
                throw .truncated(layer: .ipv4, offset: reader.offset, needed: 1, available: 0, limitedBy: "caplen")
            }
            let type: EtherType = first >> 4 == 6 ? .ipv6 : .ipv4
            frame.etherType = type.rawValue
            try decodeNetwork(etherType: type, &reader, &frame, &context)
        case LinkType.ipv4:
            frame.etherType = EtherType.ipv4.rawValue
            try decodeNetwork(etherType: .ipv4, &reader, &frame, &context)
        case LinkType.ipv6:
            frame.etherType = EtherType.ipv6.rawValue
            try decodeNetwork(etherType: .ipv6, &reader, &frame, &context)
        case LinkType.radiotap:
            let header = try RadiotapHeader(from: &reader)
            if header.hasFCS { context.stripFCS(&reader) }
            try decodeWLAN(&reader, &frame, &context, localMACs: localMACs)
        case LinkType.ieee80211:
            try decodeWLAN(&reader, &frame, &context, localMACs: localMACs)
        default:
            try recordData(&reader, .payload, "data", meaning: "frame of link type \(linkType), which SocketScope does not decode")
        }
    }

    static func applyCooked(_ header: LinuxCookedHeader, _ frame: inout DecodedFrame, _ context: inout DecodeContext) {
        // Captured on an Ethernet interface: short frames carry Ethernet padding, as Wireshark shows it.
        if header.hardwareType == 1 { context.linkTrailing = .ethernet }
        if header.addressLength == 6 { frame.sourceMAC = header.sourceMAC }
        frame.etherType = header.protocolType.rawValue
        if context.outgoingOverride == nil, header.packetType == 4 { context.outgoing = true }
    }

    static func decodeWLAN(_ reader: inout FrameReader, _ frame: inout DecodedFrame,
                           _ context: inout DecodeContext, localMACs: Set<MACAddress>) throws(WireError) {
        let header = try WLANHeader(from: &reader)
        frame.sourceMAC = header.sourceAddress
        frame.destinationMAC = header.destinationAddress
        if let source = header.sourceAddress, localMACs.contains(source), context.outgoingOverride == nil {
            context.outgoing = true
        }
        guard header.carriesLLC else {
            let meaning = header.isProtected
                ? "encrypted frame body (WPA/WEP): without the network key its contents cannot be read"
                : "frame body of an 802.11 \(header.typeName) frame"
            try recordData(&reader, .wlan, header.isProtected ? "wlan.ccmp.data" : "wlan.body", meaning: meaning)
            return
        }
        guard let type = try LLCHeader.decode(&reader) else {
            try recordData(&reader, .llc, "llc.data", meaning: "LLC payload that is not SNAP-encapsulated")
            return
        }
        frame.etherType = type.rawValue
        try decodeNetwork(etherType: type, &reader, &frame, &context)
    }

    // MARK: Network layer

    static func decodeNetwork(etherType: EtherType, _ reader: inout FrameReader, _ frame: inout DecodedFrame,
                              _ context: inout DecodeContext) throws(WireError) {
        switch etherType {
        case .ipv4: try decodeIPv4(&reader, &frame, &context)
        case .ipv6: try decodeIPv6(&reader, &frame, &context)
        case .arp:
            // ARP has no length field: its size follows from the address lengths (RFC 826); what follows is padding.
            let hardwareLength = Int(reader.peekU8(at: reader.offset + 4) ?? 0)
            let protocolLength = Int(reader.peekU8(at: reader.offset + 5) ?? 0)
            context.narrow(&reader, to: 8 + 2 * hardwareLength + 2 * protocolLength, by: "arp", layer: .arp)
            frame.arp = try ARPHeader.decode(&reader)
        default:
            try recordData(&reader, .payload, "data",
                           meaning: "payload of EtherType \(etherType), which SocketScope does not decode")
        }
    }

    static func decodeIPv4(_ reader: inout FrameReader, _ frame: inout DecodedFrame,
                           _ context: inout DecodeContext) throws(WireError) {
        frame.networkOffset = reader.offset
        let header = try IPv4Header(from: &reader, outgoing: context.outgoing)
        frame.sourceIP = header.source
        frame.destinationIP = header.destination
        frame.ttl = header.ttl
        frame.ipID = header.identification
        frame.ipProtocol = header.protocolNumber.rawValue
        frame.dontFragment = header.dontFragment
        frame.isFragment = header.isFragment
        frame.ipChecksum = header.checksumStatus
        if header.totalLength != 0 {
            context.narrow(&reader, to: Int(header.totalLength) - header.headerLength, by: "ip.len", layer: .ipv4)
        }
        var pseudo = InternetChecksum()
        pseudo.add(address: header.source)
        pseudo.add(address: header.destination)
        if header.isFragment {
            // The first fragment still starts with the transport header (ports!); later ones are opaque.
            guard header.fragmentOffset == 0 else {
                try recordFragment(&reader, &frame, context, offset: header.fragmentOffset)
                return
            }
            context.firstFragment = true
        }
        try decodeTransport(header.protocolNumber, pseudo: pseudo, &reader, &frame, &context)
    }

    static func decodeIPv6(_ reader: inout FrameReader, _ frame: inout DecodedFrame,
                           _ context: inout DecodeContext) throws(WireError) {
        let header = try IPv6Header(from: &reader)
        frame.sourceIP = header.source
        frame.destinationIP = header.destination
        frame.ttl = header.hopLimit
        frame.ipID = nil
        frame.ipProtocol = header.nextHeader.rawValue
        if header.payloadLength != 0 {
            context.narrow(&reader, to: Int(header.payloadLength), by: "ipv6.plen", layer: .ipv6)
        }
        let chain = try IPv6ExtensionHeaders.decode(&reader, first: header.nextHeader)
        frame.ipProtocol = chain.final.rawValue
        if let fragment = chain.fragment {
            frame.ipID = nil
            frame.isFragment = fragment.offset != 0 || fragment.more
            if fragment.offset != 0 {
                try recordFragment(&reader, &frame, context, offset: fragment.offset)
                return
            }
            if fragment.more { context.firstFragment = true }
        }
        var pseudo = InternetChecksum()
        pseudo.add(address: header.source)
        pseudo.add(address: header.destination)
        try decodeTransport(chain.final, pseudo: pseudo, isV6: true, &reader, &frame, &context)
    }

    static func recordFragment(_ reader: inout FrameReader, _ frame: inout DecodedFrame, _ context: DecodeContext,
                               offset: Int) throws(WireError) {
        frame.payloadOffset = reader.offset
        frame.payloadLength = reader.remaining
        frame.payloadMissing = context.lastMissing
        try recordData(&reader, .payload, "data",
                       meaning: "a fragment of a larger datagram, bytes \(offset)… of it; reassemble the fragments to read the transport header")
    }

    // MARK: Transport layer

    /// `pseudo` holds the addresses of the pseudo-header; length and protocol are added here.
    static func decodeTransport(_ proto: IPProtocol, pseudo: InternetChecksum, isV6: Bool = false,
                                _ reader: inout FrameReader,
                                _ frame: inout DecodedFrame, _ context: inout DecodeContext) throws(WireError) {
        let start = reader.offset
        // The checksum covers the whole segment; it can only be checked when every byte was captured.
        let segmentLength = reader.remaining
        // A first fragment holds only part of the segment: its checksum cannot be checked here.
        let complete = context.lastMissing == 0 && !context.firstFragment
        switch proto {
        case .tcp:
            let stored = reader.peekU16(at: start + 16) ?? 0
            let status = complete && segmentLength >= TCPHeader.minimumSize
                ? transportVerdict(pseudo, proto, reader, start, segmentLength, stored: stored, context) : .unchecked
            let tcp = try TCPHeader(from: &reader, checksumStatus: reader.isRecording ? status : nil)
            frame.tcp = tcp
            frame.transportChecksum = status
            try decodePayload(&reader, &frame, &context, tcp: tcp, udp: nil)
        case .udp:
            let length = Int(reader.peekU16(at: start + 4) ?? 0)
            let stored = reader.peekU16(at: start + 6) ?? 0
            let status: ChecksumStatus
            if stored == 0 && !isV6 {
                status = .unchecked  // optional over IPv4 (RFC 768)
            } else if complete, length >= UDPHeader.size, length <= segmentLength {  // (false in a first fragment)
                status = transportVerdict(pseudo, proto, reader, start, length, stored: stored, context)
            } else {
                status = .unchecked
            }
            let udp = try UDPHeader(from: &reader, checksumStatus: reader.isRecording ? status : nil)
            frame.udp = udp
            frame.transportChecksum = status
            if Int(udp.length) > segmentLength, reader.endReason != "caplen", !context.firstFragment {
                throw .invalid(layer: .udp, offset: start + 4, field: "udp.length",
                               reason: "is \(udp.length), more than the \(segmentLength) bytes the IP header leaves")
            }
            if udp.length != 0, !context.firstFragment {
                context.narrow(&reader, to: Int(udp.length) - UDPHeader.size, by: "udp.length", layer: .udp)
                if context.lastMissing > 0 { frame.transportChecksum = .unchecked }
            }
            try decodePayload(&reader, &frame, &context, tcp: nil, udp: udp)
        case .icmp, .icmpv6:
            let icmpV6 = proto == .icmpv6
            var sum = InternetChecksum()
            if icmpV6 {
                sum = pseudo  // ICMPv6 covers a pseudo-header (RFC 4443 §2.3); ICMP does not (RFC 792)
                sum.add(word32: UInt32(truncatingIfNeeded: segmentLength))
                sum.add(word: UInt16(proto.rawValue))
            }
            reader.addChecksum(of: start..<(start + segmentLength), to: &sum)
            let status = complete && segmentLength >= 4
                ? checksumVerdict(verifies: sum.verifies, stored: 0, outgoing: context.outgoing) : .unchecked
            frame.transportChecksum = status
            frame.icmp = try ICMPHeader.decode(&reader, isV6: icmpV6, checksumStatus: reader.isRecording ? status : nil)
            frame.payloadOffset = reader.offset
            frame.payloadLength = reader.remaining
            frame.payloadMissing = context.lastMissing
            try recordData(&reader, icmpV6 ? .icmpv6 : .icmp, "data", meaning: "data the ICMP message carries (ping fills it with a pattern)")
        case .ipv4 where context.tunnelDepth < 2:
            context.tunnelDepth += 1
            try decodeIPv4(&reader, &frame, &context)
        case .ipv6 where context.tunnelDepth < 2:
            context.tunnelDepth += 1
            try decodeIPv6(&reader, &frame, &context)
        default:
            frame.payloadOffset = reader.offset
            frame.payloadLength = reader.remaining
            frame.payloadMissing = context.lastMissing
            try recordData(&reader, .payload, "data",
                           meaning: "payload of IP protocol \(proto), which SocketScope does not decode")
        }
    }

    static func transportVerdict(_ pseudo: InternetChecksum, _ proto: IPProtocol, _ reader: FrameReader, _ start: Int,
                                 _ length: Int, stored: UInt16, _ context: DecodeContext) -> ChecksumStatus {
        var sum = pseudo
        sum.add(word32: UInt32(truncatingIfNeeded: length))
        sum.add(word: UInt16(proto.rawValue))
        reader.addChecksum(of: start..<(start + length), to: &sum)
        if stored == 0 && proto == .udp { return context.outgoing ? .offloaded : .bad }
        let verifies = sum.verifies
        let placeholder = !verifies
            && isOffloadPlaceholder(stored, addresses: pseudo, proto: proto.rawValue, length: length)
        return checksumVerdict(verifies: verifies, stored: stored, outgoing: context.outgoing,
                               leftForTheCard: placeholder)
    }

    // MARK: Application layer

    static func decodePayload(_ reader: inout FrameReader, _ frame: inout DecodedFrame, _ context: inout DecodeContext,
                              tcp: TCPHeader?, udp: UDPHeader?) throws(WireError) {
        frame.payloadOffset = reader.offset
        frame.payloadLength = reader.remaining
        frame.payloadMissing = context.lastMissing
        guard reader.remaining > 0 else { return }
        if context.firstFragment {
            try recordData(&reader, .payload, "data", meaning: "the start of a fragmented datagram's payload; reassemble the fragments to read it all")
            return
        }
        try ApplicationDispatch.decode(&reader, &frame, &context, tcp: tcp, udp: udp)
        try recordData(&reader, .payload, "data", meaning: "application data the transport layer carries")
    }

    // MARK: Helpers

    /// Records everything up to the current end as one field.
    static func recordData(_ reader: inout FrameReader, _ layer: Layer, _ name: String,
                           meaning: @autoclosure () -> String) throws(WireError) {
        let count = reader.remaining
        guard count > 0 else { return }
        _ = try reader.bytes(layer, name, count: count, meaning: { _ in "\(count) bytes: " + meaning() })
    }
}

/// Where the decoder is: who sent the frame, and the stack of ends that length fields narrowed.
/// Holds no references (reasons are literals, the shortfall plain numbers): creating and destroying one per
/// frame costs no retain or release.
struct DecodeContext {
    /// How the bytes after a length-limited network layer are named at the outermost level.
    enum Trailing { case generic, ethernet }

    var outgoing: Bool
    let outgoingOverride: Bool?
    var linkTrailing = Trailing.generic
    var tunnelDepth = 0
    /// Decoding the first fragment of a fragmented datagram: headers only, no checksum, no application layer.
    var firstFragment = false
    /// Bytes the innermost length field promised that the capture lacks.
    var lastMissing = 0
    /// The first snaplen shortfall (a length field promised more than was captured).
    var shortfall: Shortfall?

    /// A length field promised more bytes than the capture holds: a `WireError.truncated` limited by "caplen".
    struct Shortfall {
        var layer: Layer
        var offset, needed, available: Int
        var error: WireError {
            .truncated(layer: layer, offset: offset, needed: needed, available: available, limitedBy: "caplen")
        }
    }

    /// Saved ends, innermost last. Fixed capacity: nesting beyond it (tunnels) is simply not narrowed.
    private var ends = InlineArray<6, Int>(repeating: 0)
    private var reasons = InlineArray<6, StaticString>(repeating: "")
    private var layers = InlineArray<6, Layer>(repeating: .frame)
    private var depth = 0
    /// Where the frame's FCS starts when the link layer says one is present (radiotap flags).
    private var fcsStart: Int?

    init(outgoing: Bool?) {
        self.outgoing = outgoing ?? false
        self.outgoingOverride = outgoing
    }

    /// Narrows the reader to `length` bytes, remembering the outer end so the bytes between the two ends can be
    /// named later (padding, trailer). Notes a snaplen shortfall.
    mutating func narrow(_ reader: inout FrameReader, to length: Int, by field: StaticString, layer: Layer) {
        guard depth < 6 else { return }
        let savedEnd = reader.end, savedReason = reader.endReasonName
        let missing = reader.limit(to: max(0, length), by: field)
        lastMissing = missing
        if missing > 0, shortfall == nil {
            shortfall = Shortfall(layer: layer, offset: reader.offset, needed: length, available: reader.remaining)
        }
        ends[depth] = savedEnd
        reasons[depth] = savedReason
        layers[depth] = layer
        depth += 1
    }

    /// Keeps the last four bytes out of the frame body: they are the frame check sequence.
    mutating func stripFCS(_ reader: inout FrameReader) {
        guard reader.remaining >= 4, depth < 6 else { return }
        fcsStart = reader.end - 4
        narrow(&reader, to: reader.remaining - 4, by: "fcs", layer: .trailer)
    }

    /// Restores every saved end, recording the bytes between an inner and an outer end as padding or trailer.
    mutating func unwind(_ reader: inout FrameReader) {
        while depth > 0 {
            depth -= 1
            let innerEnd = reader.end
            reader.restore(end: ends[depth], reason: reasons[depth])
            let outerEnd = reader.end
            guard outerEnd > innerEnd, reader.offset == innerEnd else { continue }
            recordTrailing(&reader, from: innerEnd, to: outerEnd, outermost: depth == 0, inner: layers[depth])
        }
    }

    private func recordTrailing(_ reader: inout FrameReader, from start: Int, to end: Int, outermost: Bool,
                                inner: Layer) {
        defer { try? reader.skip(end - start, .trailer) }
        guard reader.isRecording else { return }
        if let fcsStart, start == fcsStart, end - start == 4 {
            reader.record(.trailer, "wlan.fcs", offset: start, length: 4, value: { fcsText(reader, start) },
                          meaning: { "frame check sequence: the radio's CRC-32 over the whole 802.11 frame" })
            return
        }
        guard outermost, linkTrailing == .ethernet else {
            reader.record(.trailer, "\(inner.fieldPrefix).trailer", offset: start, length: end - start,
                          value: { hexString(reader.slice(start..<end)) },
                          meaning: { "\(end - start) bytes after the end the \(inner.fieldPrefix) length field gives; not part of it" })
            return
        }
        // Ethernet pads frames to 60 bytes (64 with the FCS, IEEE 802.3 §4.2.3.3); anything beyond is a trailer,
        // whose last four bytes may be the FCS if the capture kept it.
        // Wireshark calls the bytes up to 60 padding only when they are zeros; otherwise all of it is trailer.
        var paddingEnd = max(start, min(end, 60))
        if !reader.slice(start..<paddingEnd).allSatisfy({ $0 == 0 }) { paddingEnd = start }
        if paddingEnd > start {
            reader.record(.padding, "eth.padding", offset: start, length: paddingEnd - start,
                          value: { hexString(reader.slice(start..<paddingEnd)) },
                          meaning: { "\(paddingEnd - start) bytes of padding: Ethernet frames must be at least 60 bytes (64 with the checksum), so short packets are filled up" })
        }
        var trailerEnd = end
        if end - paddingEnd >= 4, end == reader.bytes.count,
           CRC32.checksum(reader.slice(0..<(end - 4))) == littleEndian32(reader, end - 4) {
            trailerEnd = end - 4
        }
        if trailerEnd > paddingEnd {
            reader.record(.trailer, "eth.trailer", offset: paddingEnd, length: trailerEnd - paddingEnd,
                          value: { hexString(reader.slice(paddingEnd..<trailerEnd)) },
                          meaning: { "\(trailerEnd - paddingEnd) bytes after the packet inside the Ethernet frame; some switches and NICs append them" })
        }
        if trailerEnd < end {
            reader.record(.trailer, "eth.fcs", offset: trailerEnd, length: 4, value: { fcsText(reader, trailerEnd) },
                          meaning: { "frame check sequence: the CRC-32 the sender computed over the frame; it matches, so the frame arrived intact" })
        }
    }

    private func littleEndian32(_ reader: FrameReader, _ offset: Int) -> UInt32? {
        guard let value = reader.peekU32(at: offset) else { return nil }
        return value.byteSwapped
    }

    private func fcsText(_ reader: FrameReader, _ offset: Int) -> String {
        "0x" + hexString(reader.slice(offset..<(offset + 4)).reversed())
    }
}

extension Layer {
    /// The prefix Wireshark gives this layer's field names ("ip" for `ipv4`).
    public var fieldPrefix: String {
        switch self {
        case .ipv4: return "ip"
        case .payload: return "data"
        case .dhcp: return "dhcp"
        default: return rawValue
        }
    }
}

/// Hands a transport payload to the application decoders (DNS, DHCP, HTTP) by port or by content.
enum ApplicationDispatch {
    /// DNS over TCP prefixes each message with its length (RFC 1035 §4.2.2).
    static func decode(_ reader: inout FrameReader, _ frame: inout DecodedFrame, _ context: inout DecodeContext,
                       tcp: TCPHeader?, udp: UDPHeader?) throws(WireError) {
        if let udp {
            let ports = (udp.sourcePort, udp.destinationPort)
            if ports.0 == 53 || ports.1 == 53 || ports.0 == 5353 || ports.1 == 5353 {
                try decodeDNS(&reader, &frame)
            } else if ports.0 == 67 || ports.1 == 67 || ports.0 == 68 || ports.1 == 68 {
                var partial: DHCPMessage?
                do {
                    frame.dhcp = try DHCPMessage.decode(&reader, partial: &partial)
                } catch {
                    frame.dhcp = partial
                    throw error
                }
            }
            return
        }
        guard let tcp else { return }
        if tcp.sourcePort == 53 || tcp.destinationPort == 53 {
            // One whole message per segment is the common case; a length that does not fit leaves data.
            guard let length = reader.peekU16(at: reader.offset), Int(length) <= reader.remaining - 2 else { return }
            _ = try reader.u16(.dns, "dns.length", meaning: { "the DNS message that follows is \($0) bytes (DNS over TCP)" })
            context.narrow(&reader, to: Int(length), by: "dns.length", layer: .dns)
            try decodeDNS(&reader, &frame)
            return
        }
        // HTTP on any port, recognised by content (students run servers on 8080, 8000, 5000…). The fast path only
        // notes a head (its fields are read when asked for, `httpHead(in:)`): few of the frames that start with one
        // are ever asked (the session layer reads HTTP from the reassembled stream), and reading it cost as much as
        // the rest of the frame's decoding.
        if reader.isRecording {
            if let head = HTTPHead.decode(&reader) { frame.http = head }
        } else if HTTPHead.startKind(reader) != nil {
            frame.noteHTTPHead()
        }
    }

    static func decodeDNS(_ reader: inout FrameReader, _ frame: inout DecodedFrame) throws(WireError) {
        var partial: DNSMessage?
        do {
            frame.dns = try DNSMessage.decode(&reader, partial: &partial)
        } catch {
            frame.dns = partial
            throw error
        }
    }
}
