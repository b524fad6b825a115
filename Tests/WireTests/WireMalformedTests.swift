import Foundation
import Testing
@testable import Wire

/// Frames built and broken by hand.
enum Sample {
    /// print-flags.pcap frame 1: Ethernet, IPv4 (20), TCP SYN (40: MSS, SACK-perm, TS, NOP, WS). 74 bytes.
    static let syn = WireFixtureFrame.hex("00000000000000000000000008004500003c1b684000400621527f0000017f000001da7000503758897e00000000a0027fff142100000204400c0402080a4ddc92160000000001030302")

    static func with(_ base: [UInt8], _ changes: [Int: UInt8]) -> [UInt8] {
        var bytes = base
        for (offset, value) in changes where offset < bytes.count { bytes[offset] = value }
        return bytes
    }

    /// Ethernet + IPv4 + UDP with the given payload; checksums correct.
    static func udp(payload: [UInt8], sourcePort: UInt16 = 4096, destinationPort: UInt16 = 53) -> [UInt8] {
        var ip: [UInt8] = [0x45, 0, 0, 0, 0, 1, 0, 0, 255, 17, 0, 0, 192, 168, 4, 2, 192, 168, 4, 1]
        let total = 20 + 8 + payload.count
        ip[2] = UInt8(total >> 8); ip[3] = UInt8(total & 0xff)
        var sum = InternetChecksum(); sum.add(ip)
        ip[10] = UInt8(sum.checksum >> 8); ip[11] = UInt8(sum.checksum & 0xff)
        var udp: [UInt8] = [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xff), UInt8(destinationPort >> 8),
                            UInt8(destinationPort & 0xff), UInt8((8 + payload.count) >> 8), UInt8((8 + payload.count) & 0xff), 0, 0]
        var pseudo = InternetChecksum()
        pseudo.add(ip[12..<20]); pseudo.add(word: 17); pseudo.add(word: UInt16(8 + payload.count)); pseudo.add(udp); pseudo.add(payload)
        udp[6] = UInt8(pseudo.checksum >> 8); udp[7] = UInt8(pseudo.checksum & 0xff)
        let eth: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x5c, 0xcf, 0x7f, 0x01, 0x02, 0x03, 0x08, 0x00]
        return eth + ip + udp + payload
    }

    static func leaves(_ frame: DecodedFrame) -> [Field] { frame.fields.flatMap { $0.innermostByteFields } }
}

@Suite("Truncation")
struct WireTruncationTests {
    @Test("every prefix of a TCP SYN reports snaplen truncation", arguments: 0..<Sample.syn.count)
    func synPrefix(_ length: Int) {
        let bytes = Array(Sample.syn.prefix(length))
        let frame = FrameDecoder.decode(bytes, linkType: 1, recordFields: true)
        #expect(frame.stoppedAt?.isSnaplenTruncation == true)
        #expect(Tiling.problem(frame.fields, count: length) == nil)
        #expect(FrameDecoder.decode(bytes, linkType: 1).stoppedAt == frame.stoppedAt)
        if length >= 14 { #expect(frame.etherType == 0x0800) }
        if length >= 34 { #expect(frame.sourceIP == .v4(0x7f00_0001) && frame.ttl == 64) }
    }

    @Test("every prefix of every fixture frame", arguments: WireFixtureFrame.all)
    func fixturePrefixes(_ fixture: WireFixtureFrame) {
        let whole = FrameDecoder.decode(fixture.bytes, linkType: fixture.linkType, recordFields: true)
        // Bytes up to the end of the last field that is not padding or trailer are promised by some header.
        let required = Sample.leaves(whole).filter { $0.layer != .padding && $0.layer != .trailer }
            .map { $0.offset + $0.length }.max() ?? 0
        for length in 0..<required {
            let bytes = Array(fixture.bytes.prefix(length))
            let frame = FrameDecoder.decode(bytes, linkType: fixture.linkType, recordFields: true)
            #expect(frame.stoppedAt?.isSnaplenTruncation == true, "\(fixture.testDescription) cut at \(length): \(String(describing: frame.stoppedAt))")
            if let problem = Tiling.problem(frame.fields, count: length) {
                Issue.record("\(fixture.testDescription) cut at \(length): \(problem)")
                return
            }
        }
    }

    @Test func payloadCutBySnaplen() throws {
        let frame = FrameDecoder.decode(Array(Sample.udp(payload: Array(repeating: 0x41, count: 100), destinationPort: 9999).prefix(60)), linkType: 1)
        #expect(frame.payloadLength == 18 && frame.payloadMissing == 82)
        #expect(frame.transportChecksum == .unchecked)
        guard case .truncated(.ipv4, _, let needed, let available, "caplen")? = frame.stoppedAt else {
            Issue.record("payload cut: \(String(describing: frame.stoppedAt))"); return
        }
        #expect(needed == 108 && available == 26)
    }
}

@Suite("Malformed fields")
struct WireMalformedTests {
    func decode(_ bytes: [UInt8], linkType: UInt32 = 1) -> DecodedFrame {
        let frame = FrameDecoder.decode(bytes, linkType: linkType, recordFields: true)
        #expect(Tiling.problem(frame.fields, count: bytes.count) == nil)
        return frame
    }

    /// The reader records no field for zero bytes, whichever decoder asks (a peer-chosen length of 0 reaches it:
    /// DNS TXT strings, DHCP option values, EDNS option data).
    @Test func zeroBytesRecordNoField() throws {
        let recorder = FieldRecorder()
        var reader = FrameReader(bytes: [1, 2, 3], recorder: recorder)
        let none = try reader.bytes(.payload, "data", count: 0) { _ in "nothing" }
        let some = try reader.bytes(.payload, "data", count: 2) { _ in "two bytes" }
        #expect(none.isEmpty && Array(some) == [1, 2] && reader.offset == 2)
        #expect(recorder.fields.map(\.length) == [2])
    }

    @Test func ipHeaderLengthBelowFive() {
        let frame = decode(Sample.with(Sample.syn, [14: 0x44]))
        #expect(frame.stoppedAt == .invalid(layer: .ipv4, offset: 14, field: "ip.hdr_len", reason: "is 16 bytes, less than the 20-byte minimum"))
        #expect(Sample.leaves(frame).last?.name == "ip.malformed")
        #expect(frame.tcp == nil)
    }

    @Test func ipVersionNotFour() {
        guard case .invalid(.ipv4, 14, "ip.version", _)? = decode(Sample.with(Sample.syn, [14: 0x55])).stoppedAt else {
            Issue.record("expected invalid ip.version"); return
        }
    }

    @Test func ipTotalLengthBelowHeader() {
        guard case .invalid(.ipv4, 16, "ip.len", _)? = decode(Sample.with(Sample.syn, [16: 0, 17: 10])).stoppedAt else {
            Issue.record("expected invalid ip.len"); return
        }
    }

    @Test func ipTotalLengthLeavesNoRoomForTCP() {
        let frame = decode(Sample.with(Sample.syn, [16: 0, 17: 30]))
        guard case .truncated(.tcp, _, _, _, "ip.len")? = frame.stoppedAt else {
            Issue.record("\(String(describing: frame.stoppedAt))"); return
        }
        // The 34 bytes after ip.len's end are trailer, not TCP.
        #expect(Sample.leaves(frame).contains { $0.name == "eth.trailer" || $0.name == "eth.padding" })
    }

    @Test func ipTotalLengthZeroIsTSO() {
        let frame = decode(Sample.with(Sample.syn, [16: 0, 17: 0]))
        #expect(frame.stoppedAt == nil && frame.tcp != nil)
    }

    @Test func ipOptionLengthTooLong() {
        // IHL 6 with one option claiming 9 bytes: recorded as malformed options, the packet still decodes.
        var bytes = Array(Sample.syn.prefix(34)) + [0x07, 0x09, 0, 0] + Array(Sample.syn.dropFirst(34))
        bytes[14] = 0x46; bytes[17] = 64
        let frame = decode(bytes)
        #expect(frame.tcp != nil)
        #expect(Sample.leaves(frame).contains { $0.name == "ip.opt.malformed" })
    }

    @Test func tcpDataOffsetBelowFive() {
        guard case .invalid(.tcp, 46, "tcp.hdr_len", _)? = decode(Sample.with(Sample.syn, [46: 0x40])).stoppedAt else {
            Issue.record("expected invalid tcp.hdr_len"); return
        }
    }

    @Test func tcpDataOffsetPastSegment() {
        guard case .truncated(.tcp, _, 40, 20, "ip.len")? = decode(Sample.with(Sample.syn, [46: 0xf0])).stoppedAt else {
            Issue.record("expected truncated by ip.len"); return
        }
    }

    @Test(arguments: [0, 1, 21])
    func tcpOptionLengthInvalid(_ length: Int) throws {
        let frame = decode(Sample.with(Sample.syn, [55: UInt8(length)]))
        #expect(frame.stoppedAt == nil)
        let tcp = try #require(frame.tcp)
        #expect(tcp.options.malformedAt == 54)
        #expect(tcp.options.mss == nil)
        #expect(Sample.leaves(frame).contains { $0.name == "tcp.options.malformed" && $0.offset == 54 && $0.length == 20 })
    }

    @Test func tcpOptionWrongFixedLength() throws {
        // MSS claiming 6 bytes: its 4 value bytes are kept as opaque data; the list goes on from there.
        let frame = decode(Sample.with(Sample.syn, [55: 6]))
        let tcp = try #require(frame.tcp)
        #expect(tcp.options.mss == nil)
        #expect(Sample.leaves(frame).contains { $0.name == "tcp.options.unknown.payload" && $0.offset == 56 })
    }

    @Test func tcpOptionsParsed() throws {
        let tcp = try #require(decode(Sample.syn).tcp)
        #expect(tcp.options.mss == 16396 && tcp.options.windowScale == 2 && tcp.options.sackPermitted)
        #expect(tcp.options.timestamp?.value == 1306300950 && tcp.options.timestamp?.echo == 0)
        #expect(tcp.options.kinds == [2, 4, 8, 1, 3])
    }

    @Test func sackBlocks() throws {
        let fixture = try #require(WireFixtureFrame.all.first { $0.file.contains("tcp_retransmit-fast009") })
        let tcp = try #require(decode(fixture.bytes).tcp)
        #expect(!tcp.options.sackBlocks.isEmpty)
    }

    @Test func udpLengthBelowHeader() {
        var bytes = Sample.udp(payload: [1, 2, 3, 4])
        bytes[38] = 0; bytes[39] = 4
        guard case .invalid(.udp, 38, "udp.length", _)? = decode(bytes).stoppedAt else {
            Issue.record("expected invalid udp.length"); return
        }
    }

    @Test func udpLengthPastIPPayload() {
        var bytes = Sample.udp(payload: [1, 2, 3, 4])
        bytes[39] = 40
        guard case .invalid(.udp, 38, "udp.length", _)? = decode(bytes).stoppedAt else {
            Issue.record("expected invalid udp.length"); return
        }
    }

    @Test func udpShorterThanIPLeavesTrailer() {
        var bytes = Sample.udp(payload: [1, 2, 3, 4], destinationPort: 9999)
        bytes[39] = 10
        let frame = decode(bytes)
        #expect(frame.payloadLength == 2)
        #expect(Sample.leaves(frame).contains { $0.name == "udp.trailer" && $0.length == 2 })
    }

    @Test func goodUDPChecksum() {
        let frame = decode(Sample.udp(payload: Array("hello".utf8), destinationPort: 9999))
        #expect(frame.transportChecksum == .good && frame.ipChecksum == .good)
        #expect(frame.ttl == 255 && frame.ipID == 1 && frame.ipProtocol == 17)
        #expect(frame.payloadOffset == 42 && frame.payloadLength == 5)
        // Short frame: padded to 60 bytes.
        let padded = Sample.udp(payload: Array("hello".utf8), destinationPort: 9999) + Array(repeating: 0, count: 13)
        #expect(Sample.leaves(decode(padded)).last?.name == "eth.padding")
    }

    @Test func ethernetFCSDetected() {
        let base = Sample.udp(payload: Array(repeating: 0x61, count: 30), destinationPort: 9999)
        let crc = CRC32.checksum(base)
        let bytes = base + [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)]
        #expect(Sample.leaves(decode(bytes)).last?.name == "eth.fcs")
    }

    @Test func ipv6BadVersion() {
        let bytes: [UInt8] = [0x40] + Array(repeating: 0, count: 39)
        guard case .invalid(.ipv6, 0, "ipv6.version", _)? = decode(bytes, linkType: 229).stoppedAt else {
            Issue.record("expected invalid ipv6.version"); return
        }
    }

    @Test func ipv6ExtensionChainIsCapped() {
        // Ten empty hop-by-hop headers (8 bytes each): only eight are walked; the rest is data.
        var bytes: [UInt8] = [0x60, 0, 0, 0, 0, 80, 0, 64] + Array(repeating: 0, count: 15) + [1] + Array(repeating: 0, count: 15) + [1]
        for _ in 0..<10 { bytes += [0, 0, 0, 0, 0, 0, 0, 0] }
        let frame = decode(bytes, linkType: 229)
        #expect(frame.stoppedAt == nil)
        #expect(Sample.leaves(frame).last?.name == "data")
    }

    @Test func arpOddSizes() {
        // Hardware size 0 and protocol size 0: fields recorded, no ARPPacket.
        let bytes: [UInt8] = Array(Sample.udp(payload: []).prefix(12)) + [0x08, 0x06, 0, 1, 0x08, 0, 0, 0, 0, 1]
        let frame = decode(bytes)
        #expect(frame.arp == nil && frame.stoppedAt == nil)
        // Hardware size 255: truncated.
        let long: [UInt8] = Array(Sample.udp(payload: []).prefix(12)) + [0x08, 0x06, 0, 1, 0x08, 0, 255, 4, 0, 1, 1, 2]
        #expect(decode(long).stoppedAt?.isSnaplenTruncation == true)
    }

    @Test func vlanTagsAreCapped() {
        var bytes = Array(Sample.syn.prefix(12))
        for _ in 0..<6 { bytes += [0x81, 0x00, 0x00, 0x05] }
        bytes += [0x08, 0x00] + Array(Sample.syn.dropFirst(14))
        let frame = decode(bytes)
        #expect(frame.vlanIDs == [5, 5, 5, 5])
        #expect(frame.sourceIP == nil)
    }

    @Test func loopbackUnknownFamily() {
        let frame = decode([99, 0, 0, 0, 1, 2, 3], linkType: 0)
        #expect(frame.stoppedAt == nil && frame.etherType == nil)
    }

    @Test func radiotapLengthTooSmall() {
        guard case .invalid(.radiotap, 2, "radiotap.length", _)? = decode([0, 0, 4, 0, 0, 0, 0, 0, 1, 2], linkType: 127).stoppedAt else {
            Issue.record("expected invalid radiotap.length"); return
        }
    }

    @Test func icmpUnreachableWithShortQuote() throws {
        // Port unreachable quoting only 10 bytes: no quoted datagram, the bytes are data.
        let inner: [UInt8] = [3, 3, 0, 0, 0, 0, 0, 0] + Array(repeating: 0x45, count: 10)
        var bytes = Sample.udp(payload: [])
        bytes = Array(bytes.prefix(34)) + inner
        bytes[23] = 1; bytes[16] = 0; bytes[17] = UInt8(20 + inner.count)
        let frame = decode(bytes)
        let icmp = try #require(frame.icmp)
        #expect(icmp.type == 3 && icmp.code == 3 && icmp.quoted == nil)
    }

    @Test func icmpPortUnreachableQuotesPorts() throws {
        let fixture = try #require(WireFixtureFrame.all.first { $0.file.contains("icmp_traceroute") && $0.number == 2 })
        let frame = decode(fixture.bytes)
        let quoted = try #require(frame.icmp?.quoted)
        #expect(frame.icmp?.type == 11)
        #expect(quoted.ipProtocol == 1)
        // A UDP port unreachable built by hand: quoted ports come back.
        let original = Sample.udp(payload: [1, 2, 3], sourcePort: 4096, destinationPort: 7777)
        let message: [UInt8] = [3, 3, 0, 0, 0, 0, 0, 0] + Array(original.dropFirst(14).prefix(28))
        var bytes = Array(Sample.udp(payload: []).prefix(34)) + message
        bytes[23] = 1; bytes[16] = 0; bytes[17] = UInt8(20 + message.count)
        let unreachable = decode(bytes)
        let ports = try #require(unreachable.icmp?.quoted)
        #expect(ports.sourcePort == 4096 && ports.destinationPort == 7777 && ports.ipProtocol == 17)
        #expect(ports.destinationIP == .v4(0xc0a8_0401))
    }

    @Test("random bytes never trap and always tile", arguments: [0, 1, 101, 105, 113, 127, 228, 229, 276] as [UInt32])
    func randomBytes(_ linkType: UInt32) {
        var rng = SeededGenerator(seed: 0x5eed + UInt64(linkType))
        for _ in 0..<400 {
            let count = Int.random(in: 0..<120, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Make the network layer plausible often enough to go deep.
            if linkType == 1, count > 14 { bytes[12] = [0x08, 0x86, 0x81][Int.random(in: 0..<3, using: &rng)]; bytes[13] = bytes[12] == 0x08 ? 0 : bytes[12] == 0x86 ? 0xdd : 0 }
            if linkType == 1, count > 15, bytes[12] == 0x08 { bytes[14] = 0x45 }
            let frame = FrameDecoder.decode(bytes, linkType: linkType, recordFields: true)
            if let problem = Tiling.problem(frame.fields, count: count) {
                Issue.record("link \(linkType) \(bytes): \(problem)")
                return
            }
            _ = FrameDecoder.decode(bytes, linkType: linkType)
        }
    }
}

/// SplitMix64: a small deterministic generator for reproducible sweeps.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@Suite("Checksum offload and direction")
struct WireOffloadTests {
    /// tcpdump/tcp-handshake-nano.pcap frame 1 re-wrapped with SLL packet type 4 (outgoing) and a zeroed checksum.
    @Test func sllOutgoingZeroChecksumIsOffloaded() throws {
        let packets = try #require(TestPcap.read(corpus: "tcpdump/tcp-handshake-nano.pcap"))
        var bytes = try #require(packets.first).bytes
        let good = FrameDecoder.decode(bytes, linkType: 113)
        #expect(good.transportChecksum == .good)
        let tcpStart = 16 + 20
        bytes[tcpStart + 16] = 0; bytes[tcpStart + 17] = 0
        bytes[0] = 0; bytes[1] = 0
        #expect(FrameDecoder.decode(bytes, linkType: 113).transportChecksum == .bad)
        bytes[1] = 4
        #expect(FrameDecoder.decode(bytes, linkType: 113).transportChecksum == .offloaded)
        #expect(FrameDecoder.decode(bytes, linkType: 113, outgoing: false).transportChecksum == .bad)
    }

    @Test func localMACMeansOutgoing() {
        var bytes = Sample.udp(payload: [1, 2, 3], destinationPort: 9999)
        bytes[40] ^= 0xff  // break the UDP checksum
        bytes[24] ^= 0xff  // and the IP header checksum
        #expect(FrameDecoder.decode(bytes, linkType: 1).transportChecksum == .bad)
        let mine = MACAddress(rawValue: 0x5ccf7f010203)
        let frame = FrameDecoder.decode(bytes, linkType: 1, localMACs: [mine])
        #expect(frame.transportChecksum == .offloaded && frame.ipChecksum == .offloaded)
        #expect(FrameDecoder.decode(bytes, linkType: 1, outgoing: true).transportChecksum == .offloaded)
    }

    /// The folded one's-complement sum of big-endian 16-bit words, written out here rather than taken from
    /// `InternetChecksum`, so the placeholder the tests build does not come from the code under test.
    static func foldedSum(_ words: [UInt32]) -> UInt16 {
        var value = words.reduce(UInt32(0), +)
        while value > 0xffff { value = (value & 0xffff) + (value >> 16) }
        return UInt16(value)
    }

    static func words(_ bytes: ArraySlice<UInt8>) -> [UInt32] {
        stride(from: bytes.startIndex, to: bytes.endIndex, by: 2).map { index in
            UInt32(bytes[index]) << 8 | UInt32(index + 1 < bytes.endIndex ? bytes[index + 1] : 0)
        }
    }

    /// A sender offloading the checksum leaves the pseudo-header's folded sum in the field, with the length
    /// (Linux) or without it (segmentation offload); anything else that does not verify stays `bad`.
    @Test func pseudoHeaderPlaceholderIsOffloaded() {
        var bytes = Sample.udp(payload: [1, 2, 3], destinationPort: 9999)
        let udpLength: UInt32 = 8 + 3
        let addresses = Self.words(bytes[26..<34])
        let withLength = Self.foldedSum(addresses + [17, udpLength])
        let withoutLength = Self.foldedSum(addresses + [17])
        for (stored, expected) in [(withLength, ChecksumStatus.offloaded), (withoutLength, .offloaded),
                                   (withLength &+ 1, .bad), (withoutLength &- 1, .bad), (~withLength, .bad)] {
            bytes[40] = UInt8(stored >> 8); bytes[41] = UInt8(stored & 0xff)
            let frame = FrameDecoder.decode(bytes, linkType: 1)
            #expect(frame.transportChecksum == expected, "stored \(String(stored, radix: 16))")
            #expect(frame.ipChecksum == .good)
        }
    }

    /// A zero IPv4 header checksum is the placeholder of a sender offloading it; another wrong value is corruption.
    @Test func zeroIPv4HeaderChecksumIsOffloaded() {
        var bytes = Sample.udp(payload: [1, 2, 3], destinationPort: 9999)
        bytes[24] = 0; bytes[25] = 0
        #expect(FrameDecoder.decode(bytes, linkType: 1).ipChecksum == .offloaded)
        bytes[25] = 1
        #expect(FrameDecoder.decode(bytes, linkType: 1).ipChecksum == .bad)
    }

    /// A real capture taken on a sender with segmentation offload (tcpdump's test: "length 2016 [was 0, presumed
    /// TSO], bad cksum 0", "cksum 0xdf55 (incorrect -> 0x9cf2)"): both placeholders, not corruption; one bit
    /// more in the TCP checksum is corruption again.
    @Test func segmentationOffloadCapture() throws {
        let packets = try #require(TestPcap.read(corpus: "tcpdump/ipv4_tcp_http_xml_tso.pcap"))
        var bytes = try #require(packets.first).bytes
        let frame = FrameDecoder.decode(bytes, linkType: 1, recordFields: true)
        #expect(frame.ipChecksum == .offloaded && frame.transportChecksum == .offloaded)
        #expect(frame.fields.flatMap { $0.innermostByteFields }.contains {
            $0.name == "tcp.checksum" && $0.meaning.contains("checksum offload")
        })
        let tcpChecksum = 14 + 20 + 16
        #expect(bytes[tcpChecksum] == 0xdf && bytes[tcpChecksum + 1] == 0x55)
        bytes[tcpChecksum + 1] = 0x56
        #expect(FrameDecoder.decode(bytes, linkType: 1).transportChecksum == .bad)
    }

    /// Linux loopback never computes checksums (IPv6 here, from gopacket's test capture): the placeholder with
    /// the length, on every TCP segment.
    @Test func linuxLoopbackIPv6Capture() throws {
        let packets = try #require(TestPcap.read(corpus: "gopacket/test_loopback.pcap"))
        let verdicts = packets.map { FrameDecoder.decode($0.bytes, linkType: $0.linkType).transportChecksum }
        #expect(!verdicts.isEmpty && verdicts.allSatisfy { $0 == .offloaded }, "\(verdicts)")
    }

    @Test func udpZeroChecksumOverIPv4IsUnchecked() {
        var bytes = Sample.udp(payload: [1, 2, 3], destinationPort: 9999)
        bytes[40] = 0; bytes[41] = 0
        #expect(FrameDecoder.decode(bytes, linkType: 1).transportChecksum == .unchecked)
    }
}

@Suite("IPv4 reassembly")
struct IPv4ReassemblerTests {
    static func ipPackets(_ file: String) throws -> [[UInt8]] {
        try #require(TestPcap.read(corpus: file)).map { Array($0.bytes.dropFirst(14)) }
    }

    @Test func zeekFragments() throws {
        let packets = try Self.ipPackets("zeek/ipv4_fragmented-1.pcap")
        var reassembler = IPv4Reassembler()
        #expect(reassembler.add(packets[0], time: 0) == .needMore)
        #expect(reassembler.add(packets[1], time: 0.1) == .needMore)
        guard case .complete(let datagram) = reassembler.add(packets[2], time: 0.2) else {
            Issue.record("not complete"); return
        }
        #expect(datagram.count == 20 + 164)  // tshark: reassembled length 164
        let frame = FrameDecoder.decode(datagram, linkType: 228, recordFields: true)
        #expect(frame.ipChecksum == .good && !frame.isFragment && frame.udp != nil)
        #expect(reassembler.inFlight == 0 && reassembler.bytesBuffered == 0)
    }

    static func fragment(id: UInt16, offset: Int, more: Bool, payload: [UInt8]) -> [UInt8] {
        let total = 20 + payload.count
        let flags = UInt16(more ? 0x2000 : 0) | UInt16(offset / 8)
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), UInt8(id >> 8), UInt8(id & 0xff),
                UInt8(flags >> 8), UInt8(flags & 0xff), 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2] + payload
    }

    @Test func outOfOrderAndNotFragment() {
        var reassembler = IPv4Reassembler()
        #expect(reassembler.add(Self.fragment(id: 1, offset: 0, more: false, payload: [1]), time: 0) == .notFragment)
        #expect(reassembler.add(Self.fragment(id: 7, offset: 8, more: false, payload: [9, 9]), time: 0) == .needMore)
        guard case .complete(let d) = reassembler.add(Self.fragment(id: 7, offset: 0, more: true, payload: Array(0..<8)), time: 1) else {
            Issue.record("not complete"); return
        }
        #expect(Array(d.dropFirst(20)) == Array(0..<8) + [9, 9])
    }

    @Test func capsAndExpiry() {
        var reassembler = IPv4Reassembler(maximumDatagrams: 1, maximumBytes: 16, timeout: 5)
        #expect(reassembler.add(Self.fragment(id: 1, offset: 0, more: true, payload: Array(repeating: 0, count: 8)), time: 0) == .needMore)
        #expect(reassembler.add(Self.fragment(id: 2, offset: 0, more: true, payload: Array(repeating: 0, count: 8)), time: 0) == .dropped("too many datagrams in flight"))
        #expect(reassembler.add(Self.fragment(id: 1, offset: 8, more: true, payload: Array(repeating: 0, count: 16)), time: 1) == .dropped("reassembly buffer full"))
        #expect(reassembler.inFlight == 0)
        #expect(reassembler.add(Self.fragment(id: 3, offset: 0, more: true, payload: Array(repeating: 0, count: 8)), time: 10) == .needMore)
        #expect(reassembler.add(Self.fragment(id: 4, offset: 0, more: true, payload: Array(repeating: 0, count: 8)), time: 20) == .needMore)
        #expect(reassembler.inFlight == 1 && reassembler.dropped == 3)
        #expect(reassembler.add(Self.fragment(id: 5, offset: 65528, more: false, payload: Array(repeating: 0, count: 16)), time: 20) == .dropped("fragment would end past 65535 bytes"))
    }

    @Test("zero-length slivers cannot pile up on one datagram")
    func zeroLengthFragments() {
        var reassembler = IPv4Reassembler()
        var results: [IPv4Reassembler.Result] = []
        for _ in 0..<10_000 { results.append(reassembler.add(Self.fragment(id: 9, offset: 8, more: true, payload: []), time: 0)) }
        #expect(results.prefix(IPv4Reassembler.maximumFragmentsPerDatagram).allSatisfy { $0 == .needMore })
        #expect(results.contains(.dropped("more than \(IPv4Reassembler.maximumFragmentsPerDatagram) fragments for one datagram")))
        #expect(reassembler.inFlight <= 1 && reassembler.bytesBuffered == 0)
    }
}

@Suite("802.11")
struct WLANTests {
    /// Radiotap (8 bytes, flags field when `fcs`), 802.11 data To-DS, LLC/SNAP, then an IPv4/UDP packet.
    static func frame(protected: Bool = false, fcs: Bool = false) -> [UInt8] {
        let radiotap: [UInt8] = fcs ? [0, 0, 10, 0, 0x02, 0, 0, 0, 0x10, 0] : [0, 0, 8, 0, 0, 0, 0, 0]
        var wlan: [UInt8] = [0x08, protected ? 0x41 : 0x01, 0x2c, 0x00]
        wlan += [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]  // BSSID
        wlan += [0x5c, 0xcf, 0x7f, 0x01, 0x02, 0x03]  // source (an ESP8266)
        wlan += [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]  // destination
        wlan += [0x10, 0x00]
        let ipUDP = Array(Sample.udp(payload: Array("hi".utf8), destinationPort: 9999).dropFirst(14))
        let body = protected ? [0x01, 0, 0, 0x20, 0, 0, 0, 0] + Array(repeating: 0x99, count: 40)
            : [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00] + ipUDP
        return radiotap + wlan + body + (fcs ? [1, 2, 3, 4] : [])
    }

    @Test func dataFrameToIP() throws {
        let bytes = Self.frame()
        let frame = FrameDecoder.decode(bytes, linkType: 127, recordFields: true)
        #expect(frame.stoppedAt == nil)
        #expect(frame.sourceMAC == MACAddress(rawValue: 0x5ccf7f010203) && frame.destinationMAC == .broadcast)
        #expect(frame.udp?.destinationPort == 9999 && frame.transportChecksum == .good)
        #expect(Tiling.problem(frame.fields, count: bytes.count) == nil)
        let names = flatten(frame.fields).map(\.name)
        #expect(names.contains("wlan.fc.tods") && names.contains("llc.type") && names.contains("wlan.bssid"))
    }

    @Test func protectedFrameIsEncrypted() {
        let bytes = Self.frame(protected: true)
        let frame = FrameDecoder.decode(bytes, linkType: 127, recordFields: true)
        #expect(frame.sourceIP == nil && frame.stoppedAt == nil)
        #expect(Sample.leaves(frame).last?.name == "wlan.ccmp.data")
        #expect(Tiling.problem(frame.fields, count: bytes.count) == nil)
    }

    @Test func radiotapFieldsAligned() throws {
        // TSFT (8, aligned to 8), flags, rate, channel (aligned to 2), antenna signal: 8 + 8 + 1 + 1 + 4 + 1 = 23.
        let radiotap: [UInt8] = [0, 0, 23, 0, 0x2f, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x02, 0x85, 0x09, 0xa0, 0x00, 0xc4]
        let bytes = radiotap + Array(Self.frame().dropFirst(8))
        let frame = FrameDecoder.decode(bytes, linkType: 127, recordFields: true)
        let fields = flatten(frame.fields)
        #expect(fields.first { $0.name == "radiotap.channel.freq" }?.value == "2437")
        #expect(fields.first { $0.name == "radiotap.dbm_antsignal" }?.meaning.contains("-60 dBm") == true)
        #expect(fields.first { $0.name == "radiotap.datarate" }?.value == "2")
        #expect(frame.udp != nil)
        #expect(Tiling.problem(frame.fields, count: bytes.count) == nil)
    }

    @Test func radiotapFCSFlag() {
        let bytes = Self.frame(fcs: true)
        let frame = FrameDecoder.decode(bytes, linkType: 127, recordFields: true)
        #expect(Sample.leaves(frame).last?.name == "wlan.fcs")
        #expect(frame.udp != nil)
        #expect(Tiling.problem(frame.fields, count: bytes.count) == nil)
    }
}
