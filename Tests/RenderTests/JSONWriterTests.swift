@testable import Render
import Sessions
import Testing
import Wire

/// `JSONWriter`'s primitives write exactly the JSON text a plain reference writes, whatever the values, and its
/// buffer grows and copies correctly.
@Suite struct JSONWriterTests {
    static func text(_ write: (inout JSONWriter) -> Void) -> String {
        var json = JSONWriter()
        write(&json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// A JSON string literal the slow, obvious way: one scalar at a time.
    static func reference(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20, 0x7f..<0xa0, 0x2028, 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static let numbers: [UInt64] = {
        var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 255, 256, 65_535, 65_536]
        var power: UInt64 = 1
        for _ in 0..<19 {
            power *= 10
            values += [power - 1, power, power + 1]
        }
        values += [UInt64(UInt32.max) - 1, UInt64(UInt32.max), UInt64(UInt32.max) + 1, UInt64.max - 1, UInt64.max]
        // The digit count is looked up by bit length: both sides of every power of two.
        for shift in 1..<64 { values += [(1 << shift) - 1, 1 << shift, (1 << shift) + 1] }
        return Array(Set(values)).sorted()
    }()

    @Test(arguments: numbers)
    func unsignedNumbersMatchTheirDescription(_ value: UInt64) {
        #expect(Self.text { $0.beginArray(); $0.int(value); $0.endArray() } == "[\(value)]")
        if let small = UInt32(exactly: value) {
            #expect(Self.text { $0.beginObject(); $0.field("n", small); $0.endObject() } == "{\"n\":\(value)}")
        }
        if let small = UInt16(exactly: value) {
            #expect(Self.text { $0.beginObject(); $0.field("n", small); $0.endObject() } == "{\"n\":\(value)}")
        }
        if let small = UInt8(exactly: value) {
            #expect(Self.text { $0.beginObject(); $0.field("n", small); $0.endObject() } == "{\"n\":\(value)}")
        }
    }

    @Test(arguments: [Int.min, Int.min + 1, -1_000_000_007, -100, -10, -9, -1, 0, 1, Int(Int32.max), Int.max])
    func signedNumbersMatchTheirDescription(_ value: Int) {
        #expect(Self.text { $0.beginObject(); $0.field("n", value); $0.endObject() } == "{\"n\":\(value)}")
        #expect(Self.text { $0.beginArray(); $0.int(value); $0.int(Int64(value)); $0.endArray() }
                == "[\(value),\(value)]")
        #expect(Self.text { $0.beginObject(); $0.field("n", Int64(value)); $0.endObject() } == "{\"n\":\(value)}")
        var lent = JSONWriter()
        lent.withUnique { $0.beginObject(); $0.field("n", Int64(value)); $0.field("m", value); $0.endObject() }
        #expect(String(decoding: lent.bytes, as: UTF8.self) == "{\"n\":\(value),\"m\":\(value)}")
    }

    @Test(arguments: [(Int64(1_773_655_200), UInt32(874_884_000)), (0, 0), (1, 1), (12, 999_999_999),
                      (1_773_655_200, 100_000_000), (1_773_655_200, 99_999_999), (5, 10)])
    func timestampsHaveNineDecimals(_ seconds: Int64, _ nanoseconds: UInt32) {
        let fraction = String(nanoseconds)
        let expected = "[\(seconds)." + String(repeating: "0", count: 9 - fraction.count) + fraction + "]"
        #expect(Self.text { $0.beginArray(); $0.timestamp(seconds: seconds, nanoseconds: nanoseconds); $0.endArray() }
                == expected)
    }

    /// A nanosecond field past one second (a malformed record) keeps all its digits.
    @Test func timestampsWithNanosecondsPastOneSecond() {
        #expect(Self.text { $0.beginArray(); $0.timestamp(seconds: 5, nanoseconds: 1_000_000_000); $0.endArray() }
                == "[5.1000000000]")
        #expect(Self.text { $0.beginArray(); $0.timestamp(seconds: -1, nanoseconds: UInt32.max); $0.endArray() }
                == "[-1.4294967295]")
    }

    @Test(arguments: [Int64.min, Int64.min + 1, -1_000_000_001, -1_000_000_000, -999_999_999, -505_425_287_000, -1,
                      0, 1, 999_999_999, 1_000_000_000, 1_422_527_998_578_402_281, 1_773_655_200_874_884_000,
                      Int64.max])
    func epochNanosecondsAsSessionReportSpellsThem(_ nanoseconds: Int64) {
        #expect(Self.text { $0.beginArray(); $0.timestamp(nanoseconds: nanoseconds); $0.endArray() }
                == "[" + SessionReport.epoch(nanoseconds) + "]")
    }

    /// Every octet value in every position, written as `IPAddress.description` writes it.
    @Test func ipv4AddressesMatchTheirDescription() {
        var addresses: [UInt32] = [0, UInt32.max, 0x0A2A_0001, 0x7F00_0001, 0xC0A8_0164]
        for octet in UInt32(0)...255 {
            addresses.append(octet << 24 | (255 - octet) << 16 | (octet / 3) << 8 | (octet * 7 % 256))
            addresses.append(octet * 0x0101_0101)
        }
        for address in addresses {
            let ip = IPAddress.v4(address)
            #expect(Self.text { $0.beginArray(); $0.ip(ip); $0.endArray() } == "[\"\(ip)\"]")
        }
    }

    @Test func macAddressesMatchTheirDescription() {
        var addresses: [UInt64] = [0, 0xffff_ffff_ffff, 0x5ccf_7f01_0203, 0x0123_4567_89ab, 0xfedc_ba98_7654]
        for byte in UInt64(0)...255 { addresses.append(byte * 0x0101_0101_0101 ^ (byte << 20)) }
        for raw in addresses {
            let mac = MACAddress(rawValue: raw)
            #expect(Self.text { $0.beginArray(); $0.mac(mac); $0.endArray() } == "[\"\(mac)\"]")
        }
    }

    /// Keys and literal values of every short length (each length takes its own copy path).
    static let literals: [StaticString] = [
        "", "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghij",
        "abcdefghijk", "abcdefghijkl", "abcdefghijklm", "abcdefghijklmn", "abcdefghijklmno", "abcdefghijklmnop",
        "abcdefghijklmnopq", "abcdefghijklmnopqr", "abcdefghijklmnopqrstuvwxyz0123456789",
    ]

    @Test func keysAndLiteralValuesOfEveryLength() {
        let written = Self.text { json in
            json.beginObject()
            for literal in Self.literals { json.field(literal, literal: literal) }
            json.key("list"); json.arrayValue()
            for literal in Self.literals { json.string(literal: literal) }
            json.endArray()
            json.endObject()
        }
        let names = Self.literals.map { $0.description }
        let members = names.map { "\"\($0)\":\"\($0)\"" } + ["\"list\":[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]"]
        #expect(written == "{" + members.joined(separator: ",") + "}")
    }

    static let hostile: [String] = [
        "", "plain", "quote\"inside", "back\\slash", "\\\"", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1f}", "del\u{7f}",
        "c1 \u{80}\u{9f} nbsp \u{a0}", "separators \u{2028}\u{2029}", "é ü 漢字 🦊", "exactly8", "sixteen chars ok",
        "a long plain value that is much longer than one word or two", String(repeating: "\"", count: 40),
        "tail after eight bytes\u{1}", "\u{1}head before eight bytes",
    ]

    @Test(arguments: hostile)
    func stringsAreEscapedLikeTheReference(_ value: String) {
        let expected = Self.reference(value)
        #expect(Self.text { $0.beginArray(); $0.string(value); $0.endArray() } == "[\(expected)]")
        #expect(Self.text { $0.beginObject(); $0.field("v", value); $0.endObject() } == "{\"v\":\(expected)}")
        #expect(Self.text { $0.beginObject(); $0.key(dynamic: value); $0.int(1); $0.endObject() }
                == "{\(expected):1}")
        #expect(Self.text { $0.beginArray(); $0.bytesAsString(Array(value.utf8)); $0.endArray() } == "[\(expected)]")
    }

    /// The escaping path skips plain text eight bytes at a time: an escaped or multi-byte character at every
    /// offset of a long plain string, alone and next to another, must come out as the reference writes it.
    @Test(arguments: ["\"", "\\", "\n", "\u{1}", "\u{7f}", "\u{85}", "\u{2028}", "é", "→", "🦊"])
    func specialCharactersAtEveryOffset(_ special: String) {
        let plain = "The board's SYN looks like lwIP's: TTL 255, only an MSS option"
        for offset in 0...plain.utf8.count {
            for pair in [special, special + special, special + "x" + special] {
                let value = String(plain.prefix(offset)) + pair + String(plain.dropFirst(offset))
                #expect(Self.text { $0.beginArray(); $0.string(value); $0.endArray() } == "[\(Self.reference(value))]",
                        "at offset \(offset)")
            }
        }
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        let bytes: [UInt8] = [0x61, 0xff, 0x22, 0xc3, 0x28, 0xe2, 0x82]
        #expect(Self.text { $0.beginArray(); $0.bytesAsString(bytes); $0.endArray() }
                == "[\"a\u{fffd}\\\"\u{fffd}(\u{fffd}\u{fffd}\"]")
    }

    @Test func commasSeparateMembersAtEveryDepth() {
        let written = Self.text { json in
            json.beginObject()
            json.key("empty"); json.objectValue(); json.endObject()
            json.key("list"); json.arrayValue()
            json.int(1)
            json.beginObject(); json.field("a", 1); json.fieldNull("b"); json.endObject()
            json.beginArray(); json.endArray()
            json.beginArray(); json.bool(true); json.null(); json.endArray()
            json.endArray()
            json.field("yes", true)
            json.key("deep"); json.objectValue()
            json.key("deeper"); json.objectValue(); json.field("x", literal: "y"); json.endObject()
            json.field("after", "z")
            json.endObject()
            json.endObject()
        }
        #expect(written == #"{"empty":{},"list":[1,{"a":1,"b":null},[],[true,null]],"yes":true,"#
                + #""deep":{"deeper":{"x":"y"},"after":"z"}}"#)
    }

    @Test func valuesAtTheTopLevelAreNotSeparated() {
        let written = Self.text { json in
            json.beginObject(); json.endObject()
            json.beginArray(); json.endArray()
        }
        #expect(written == "{}[]")
    }

    /// The two-worker path writes a batch's lines into one writer, each left open for the merger to finish:
    /// `startLine` must begin the next at the top level (no comma), and `byteCount` delimit each.
    @Test func linesLeftOpenShareOneWriter() {
        var json = JSONWriter()
        json.reserveCapacity(4096)
        #expect(json.byteCapacity >= 4096)
        var ranges: [Range<Int>] = []
        for frame in 1...3 {
            let start = json.byteCount
            json.startLine()
            json.beginObject()
            json.field("frame", frame)
            json.key("tcp"); json.objectValue(); json.field("len", 0); json.endObject()
            ranges.append(start..<json.byteCount)
        }
        let text = json.bytes
        #expect(ranges.map { String(decoding: text[$0], as: UTF8.self) }
                == (1...3).map { #"{"frame":\#($0),"tcp":{"len":0}"# })
        #expect(ranges.last?.upperBound == text.count)
        // A writer that was reset starts empty, at the top level.
        json.reset()
        json.beginObject(); json.endObject()
        #expect(String(decoding: json.bytes, as: UTF8.self) == "{}")
    }

    @Test func addressesAndHex() {
        let mac = MACAddress(bytes: [0x5c, 0xcf, 0x7f, 0x01, 0x02, 0xab])
        let written = Self.text { json in
            json.beginObject()
            json.key("mac"); json.mac(mac)
            json.key("ip"); json.ip(.v4(0xFFFF_FFFF))
            json.key("low"); json.ip(.v4(0))
            json.key("type"); json.hex16String(0x86dd)
            json.endObject()
        }
        #expect(written == #"{"mac":"5c:cf:7f:01:02:ab","ip":"255.255.255.255","low":"0.0.0.0","type":"0x86dd"}"#)
    }

    /// Far past the initial capacity, through every kind of append, with nothing lost at the boundaries.
    @Test func growsPastItsInitialCapacity() {
        var expected = "["
        let written = Self.text { json in
            json.beginArray()
            for index in 0..<3000 {
                switch index % 4 {
                case 0: json.int(UInt32(index)); expected += "\(index)"
                case 1: json.string(literal: "abcdefghijklmnopqr"); expected += #""abcdefghijklmnopqr""#
                case 2: json.string("value \(index) \u{1}"); expected += #""value \#(index) \u0001""#
                default:
                    json.beginObject(); json.field("key", literal: "v"); json.endObject()
                    expected += #"{"key":"v"}"#
                }
                if index < 2999 { expected += "," }
            }
            json.endArray()
        }
        #expect(written == expected + "]")
    }

    /// A member reserves room for its key and its longest value at once: every position of the buffer's end
    /// relative to the member must give the same text.
    @Test func membersAcrossTheCapacityBoundary() {
        for padding in 470...540 {
            let filler = String(repeating: "x", count: padding)
            let expected = #"{"p":"\#(filler)","a_long_key_name":4294967295,"b":-9223372036854775808,"#
                + #""c":9223372036854775807,"d":[7,-7]}"#
            var direct = JSONWriter()
            direct.beginObject()
            direct.field("p", filler)
            direct.field("a_long_key_name", UInt32.max)
            direct.field("b", Int.min)
            direct.field("c", Int.max)
            direct.key("d"); direct.arrayValue(); direct.int(7); direct.int(-7); direct.endArray()
            direct.endObject()
            #expect(String(decoding: direct.bytes, as: UTF8.self) == expected)

            var lent = JSONWriter()
            lent.withUnique { json in
                json.beginObject()
                json.field("p", filler)
                json.field("a_long_key_name", UInt32.max)
                json.field("b", Int.min)
                json.field("c", Int.max)
                json.key("d"); json.arrayValue(); json.int(7); json.int(-7); json.endArray()
                json.endObject()
            }
            #expect(String(decoding: lent.bytes, as: UTF8.self) == expected)
        }
    }

    @Test func aCopyOfAWriterWritesIntoItsOwnBuffer() {
        var first = JSONWriter()
        first.beginArray()
        first.int(1)
        var second = first
        first.int(2)
        second.string(literal: "two")
        for _ in 0..<200 { second.int(UInt16(7)) }
        first.endArray()
        second.endArray()
        #expect(String(decoding: first.bytes, as: UTF8.self) == "[1,2]")
        #expect(String(decoding: second.bytes, as: UTF8.self)
                == "[1,\"two\"," + Array(repeating: "7", count: 200).joined(separator: ",") + "]")
    }

    /// The lent writer writes what the writer itself writes, call for call, including past the buffer's capacity.
    @Test func aLentWriterWritesTheSameText() {
        var direct = JSONWriter()
        direct.beginObject()
        direct.field("before", 1)
        var lent = direct
        for index in 0..<300 {
            direct.key("o"); direct.objectValue()
            direct.field("n", UInt32(index)); direct.field("s", "x\"y"); direct.field("b", index % 2 == 0)
            direct.field("l", literal: "SYN_RECEIVED"); direct.fieldNull("z"); direct.key("ip"); direct.ip(.v4(UInt32(index)))
            direct.key("a"); direct.arrayValue(); direct.int(UInt16(index)); direct.string(literal: "ACK"); direct.endArray()
            direct.endObject()
        }
        lent.withUnique { json in
            for index in 0..<300 {
                json.key("o"); json.objectValue()
                json.field("n", UInt32(index)); json.field("s", "x\"y"); json.field("b", index % 2 == 0)
                json.field("l", literal: "SYN_RECEIVED"); json.fieldNull("z"); json.key("ip"); json.ip(.v4(UInt32(index)))
                json.key("a"); json.arrayValue(); json.int(UInt16(index)); json.string(literal: "ACK"); json.endArray()
                json.endObject()
            }
        }
        direct.field("after", 2); direct.endObject()
        lent.field("after", 2); lent.endObject()
        #expect(direct.bytes.count > 512 * 4)
        #expect(lent.bytes == direct.bytes)
    }

    /// Lending a writer that shares its buffer with a copy gives the lent writer a buffer of its own first.
    @Test func lendingACopiedWriterLeavesTheCopyAlone() {
        var writer = JSONWriter()
        writer.beginArray()
        writer.int(1)
        let copy = writer
        writer.withUnique { json in
            json.int(2)
            json.string(literal: "three")
        }
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"[1,2,"three"]"#)
        #expect(String(decoding: copy.bytes, as: UTF8.self) == "[1")
    }

    /// A line whose start was prepared elsewhere: raw bytes with a number spliced in, then members written as JSON
    /// continue the same object (the merger of `read --threads 2` finishes a worker's line this way).
    @Test func rawTextThenResumedObject() {
        let text = Self.text { json in
            json.appendRaw(UnsafeRawBufferPointer(start: nil, count: 0))
            Array(#"{"frame":7,"session":"#.utf8).withUnsafeBytes { json.appendRaw($0) }
            json.appendRaw(decimal: 1_234)
            Array(#","tcp":{}"#.utf8).withUnsafeBytes { json.appendRaw($0) }
            json.resumeObject()
            json.key("step"); json.objectValue(); json.field("id", "send"); json.endObject()
            json.endObject()
            json.appendNewline()
            json.startLine()
            json.beginArray(); json.int(1); json.int(2); json.endArray()
        }
        #expect(text == #"{"frame":7,"session":1234,"tcp":{},"step":{"id":"send"}}"# + "\n[1,2]")
    }

    @Test(arguments: numbers)
    func rawDecimalsMatchDescription(_ value: UInt64) {
        #expect(Self.text { $0.appendRaw(decimal: value) } == String(value))
    }

    @Test func resetKeepsNothing() {
        var json = JSONWriter()
        json.beginObject(); json.field("a", 1)
        json.reset()
        json.beginArray(); json.int(2); json.endArray()
        #expect(String(decoding: json.bytes, as: UTF8.self) == "[2]")
    }
}

/// JSON writes state, flag and checksum names as literals: the literal must be the name the type gives elsewhere.
@Suite struct LiteralNameTests {
    @Test(arguments: [ChecksumStatus.good, .bad, .unchecked, .offloaded])
    func checksumNames(_ status: ChecksumStatus) {
        #expect(status.name.description == status.rawValue)
    }

    @Test func everyTCPStateHasItsName() {
        let expected = ["CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
                        "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"]
        var names: [String] = []
        for raw in UInt8.min...UInt8.max {
            guard let state = TCPState(rawValue: raw) else { continue }
            names.append(state.name.description)
        }
        #expect(names == expected)
    }

    /// FrameJSON tests a flag with one AND: each must be a single bit, and each name used once.
    @Test func flagsAreSingleBits() {
        for (flag, _) in TCPFlags.literalNames { #expect(flag.rawValue.nonzeroBitCount == 1) }
        for (flag, _) in TCPAnalysisFlags.literalNames { #expect(flag.rawValue.nonzeroBitCount == 1) }
        #expect(Set(TCPFlags.literalNames.map { $0.0.rawValue }).count == 8)
        #expect(Set(TCPAnalysisFlags.literalNames.map { $0.0.rawValue }).count == TCPAnalysisFlags.literalNames.count)
    }
}
