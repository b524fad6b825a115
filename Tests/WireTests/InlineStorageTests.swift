import Testing
@testable import Wire

/// The inline lists behind `TCPOptions.kinds`/`sackBlocks` and `DecodedFrame.vlanIDs`, and the shared box of
/// rare layers: what they hold at and beyond capacity, and that they keep value semantics.
@Suite("Inline storage")
struct InlineStorageTests {
    /// Sample.syn with its 20 option bytes replaced by `options` (padded with EOL to a multiple of 4).
    static func syn(options: [UInt8]) -> [UInt8] {
        var options = options
        while options.count % 4 != 0 { options.append(0) }
        var bytes = Array(Sample.syn.prefix(54)) + options
        let total = bytes.count - 14
        bytes[16] = UInt8(total >> 8); bytes[17] = UInt8(total & 0xff)
        bytes[46] = UInt8((20 + options.count) / 4) << 4
        return bytes
    }

    static func sack(_ blocks: [(UInt32, UInt32)]) -> [UInt8] {
        var option: [UInt8] = [5, UInt8(2 + 8 * blocks.count)]
        for (left, right) in blocks {
            for value in [left, right] { option += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        }
        return option
    }

    @Test func listKeepsOrderAndDropsBeyondCapacity() {
        var list = InlineList<3, UInt16>(filler: 0)
        #expect(list.isEmpty && Array(list) == [])
        let stored = [list.append(7), list.append(8), list.append(9), list.append(10)]
        #expect(stored == [true, true, true, false])
        #expect(Array(list) == [7, 8, 9] && list.count == 3 && list[2] == 9)
        var copy = list
        copy.removeAll()
        #expect(copy.isEmpty && list.count == 3)  // a value: the copy changed alone
    }

    @Test func listEqualityAndHashFollowTheElements() {
        var a = InlineList<4, UInt8>(filler: 0), b = InlineList<4, UInt8>(filler: 0xee)
        for byte: UInt8 in [1, 2] { a.append(byte); b.append(byte) }
        #expect(a == b && a.hashValue == b.hashValue)  // unused slots (different fillers) do not count
        #expect(a.hashValue == [UInt8(1), 2].hashValue)  // hashes as the Array it stands for
        b.append(3)
        #expect(a != b)
    }

    @Test func fullOptionSpaceOfNOPs() throws {
        let tcp = try #require(FrameDecoder.decode(Self.syn(options: Array(repeating: 1, count: 40)), linkType: 1).tcp)
        #expect(tcp.headerLength == 60)
        #expect(tcp.options.kinds == Array(repeating: 1, count: TCPOptions.maximumKinds))
        #expect(tcp.options.malformedAt == nil)
    }

    @Test func fourSACKBlocksInOneOption() throws {
        let blocks: [(UInt32, UInt32)] = [(1, 2), (0xffff_fff0, 0x10), (100, 200), (0x8000_0000, 0x8000_1000)]
        let tcp = try #require(FrameDecoder.decode(Self.syn(options: [1, 1] + Self.sack(blocks)), linkType: 1).tcp)
        #expect(tcp.options.sackBlocks.count == TCPOptions.maximumSACKBlocks)
        #expect(tcp.options.sackBlocks.elementsEqual(blocks, by: { $0 == $1 }))
        #expect(tcp.options.kinds == [1, 1, 5])  // 36 bytes: no padding
    }

    @Test func fourSACKOptionsOfOneBlock() throws {
        let options = (0..<4).flatMap { Self.sack([(UInt32($0), UInt32($0) + 1)]) }
        #expect(options.count == 40)
        let tcp = try #require(FrameDecoder.decode(Self.syn(options: options), linkType: 1).tcp)
        #expect(tcp.options.kinds == [5, 5, 5, 5])
        #expect(tcp.options.sackBlocks.map(\.0) == [0, 1, 2, 3] && tcp.options.sackBlocks.map(\.1) == [1, 2, 3, 4])
    }

    @Test func malformedSACKAfterOneBlock() throws {
        // A good SACK, then one claiming 34 bytes where 30 are left: the rest is malformed, the first block kept.
        let options = Self.sack([(5, 6)]) + [5, 34] + Array(repeating: 0xaa, count: 28)
        #expect(options.count == 40)
        let tcp = try #require(FrameDecoder.decode(Self.syn(options: options), linkType: 1).tcp)
        #expect(tcp.options.kinds == [5, 5])
        #expect(tcp.options.sackBlocks.count == 1 && tcp.options.sackBlocks.first?.0 == 5)
        #expect(tcp.options.malformedAt == 54 + 10)
    }

    @Test func optionSettersKeepTheFirstThatFit() {
        var options = TCPOptions()
        options.kinds = Array(repeating: 1, count: 50)
        #expect(options.kinds.count == TCPOptions.maximumKinds)
        options.sackBlocks = (0..<6).map { (UInt32($0), UInt32($0)) }
        #expect(options.sackBlocks.map(\.0) == [0, 1, 2, 3])
        var other = TCPOptions()
        other.kinds = Array(repeating: 1, count: 40)
        other.sackBlocks = (0..<4).map { (UInt32($0), UInt32($0)) }
        #expect(options == other && options.hashValue == other.hashValue)
        other.sackBlocks = []
        #expect(options != other)
    }

    @Test func vlanIDsRoundTripAndCap() {
        var frame = DecodedFrame(linkType: 1)
        #expect(frame.vlanIDs.isEmpty)
        frame.vlanIDs = [1, 2, 3, 4, 5]
        #expect(frame.vlanIDs == [1, 2, 3, 4])
        #expect(EthernetHeader.maximumVLANTags == 4)
    }

    @Test func rareLayersShareOneBoxAndKeepValueSemantics() {
        var frame = DecodedFrame(linkType: 1)
        #expect(!frame.hasHTTP && !frame.hasDNS && !frame.hasStopped && frame.http == nil)
        frame.http = HTTPHead(isRequest: true, method: "GET", uri: "/", version: "HTTP/1.1", isComplete: true,
                              headLength: 18)
        frame.stoppedAt = .invalid(layer: .http, offset: 1, field: "f", reason: "r")
        let copy = frame
        frame.http = nil
        #expect(!frame.hasHTTP && frame.http == nil && frame.hasStopped)
        #expect(copy.hasHTTP && copy.http?.method == "GET" && copy.stoppedAt?.offset == 1)
        frame.stoppedAt = nil
        #expect(!frame.hasStopped && frame.stoppedAt == nil && copy.hasStopped)
    }
}
