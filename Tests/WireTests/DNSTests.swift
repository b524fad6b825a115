import Foundation
import Testing
@testable import Wire

/// Shared by the DNS, DHCP and HTTP tests: tshark-made fixtures and field-tiling checks.
enum AppLayerFixture {
    struct Expected: Equatable, CustomStringConvertible {
        var name: String
        var offset: Int
        var length: Int
        var value: String
        var description: String { "\(name)@\(offset)+\(length)=\(value)" }
    }

    struct Loaded {
        var bytes: [UInt8]
        var fields: [Expected]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Reads `Fixtures/<path>` written by `Fixtures/dns/make_fixture.py`.
    static func load(_ path: String) throws -> Loaded {
        let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
        var bytes: [UInt8] = []
        var fields: [Expected] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("hex ") {
                bytes = try #require(fromHex(String(line.dropFirst(4))))
            } else if line.hasPrefix("field ") {
                let parts = line.dropFirst(6).split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count == 4, let offset = Int(parts[1]), let length = Int(parts[2]) else { continue }
                fields.append(Expected(name: String(parts[0]), offset: offset, length: length, value: String(parts[3])))
            }
        }
        return Loaded(bytes: bytes, fields: fields)
    }

    static func fromHex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8.filter { $0 != 0x20 && $0 != 0x3a && $0 != 0x0a })
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<(index + 2)], as: UTF8.self), radix: 16) else {
                return nil
            }
            out.append(byte)
            index += 2
        }
        return out
    }

    /// Every field, depth first (groups, byte fields and bit fields).
    static func flatten(_ fields: [Field]) -> [Field] {
        fields.flatMap { [$0] + flatten($0.children) }
    }

    /// Expected fields (from tshark) missing from what was recorded, by name, offset, length and value.
    static func missing(_ expected: [Expected], in recorded: [Field], ignoring: Set<String> = []) -> [Expected] {
        let flat = flatten(recorded)
        return expected.filter { want in
            guard !ignoring.contains(want.name) else { return false }
            return !flat.contains { $0.name == want.name && $0.offset == want.offset && $0.length == want.length
                && $0.value == want.value }
        }
    }

    /// Checks the innermost byte fields tile `range` exactly: ordered, no gap, no overlap, none empty.
    /// Returns a description of the first problem, or nil.
    static func tilingProblem(_ fields: [Field], covering range: Range<Int>) -> String? {
        let leaves = fields.flatMap { $0.innermostByteFields }
        var position = range.lowerBound
        for leaf in leaves {
            if leaf.length <= 0 { return "empty field \(leaf.name) at \(leaf.offset)" }
            if leaf.offset != position { return "field \(leaf.name) at \(leaf.offset), expected \(position)" }
            position += leaf.length
        }
        return position == range.upperBound ? nil : "fields end at \(position), consumed to \(range.upperBound)"
    }
}

/// Decodes DNS from `bytes` starting at `prefix` (to prove offsets are absolute and pointers relative).
private func decodeDNS(_ bytes: [UInt8], prefix: Int = 0) -> (DNSMessage?, DNSMessage?, WireError?, [Field], Int) {
    let recorder = FieldRecorder()
    var reader = FrameReader(bytes: [UInt8](repeating: 0xee, count: prefix) + bytes, recorder: recorder)
    _ = try? reader.skip(prefix, .payload)
    var partial: DNSMessage?
    do {
        let message = try DNSMessage.decode(&reader, partial: &partial)
        recorder.closeAll(at: reader.offset)
        return (message, nil, nil, recorder.fields, reader.offset)
    } catch {
        recorder.closeAll(at: reader.offset)
        return (nil, partial, error, recorder.fields, reader.offset)
    }
}

@Suite struct DNSTests {
    static let fixtures = ["dns/dns_udp_query.txt", "dns/dns_udp_response.txt", "dns/mdns_response.txt",
                           "dns/cname_chain.txt", "dns/ptr_query.txt", "dns/edns_cookie.txt", "dns/nest_cname.txt"]

    @Test(arguments: fixtures)
    func matchesTshark(_ path: String) throws {
        let fixture = try AppLayerFixture.load(path)
        #expect(fixture.fields.count > 10)
        let (message, _, error, fields, end) = decodeDNS(fixture.bytes)
        #expect(error == nil)
        #expect(message != nil)
        #expect(end == fixture.bytes.count)
        let missing = AppLayerFixture.missing(fixture.fields, in: fields,
                                              ignoring: ["dns.opt.cookie.client", "dns.opt.cookie.server"])
        #expect(missing.isEmpty, "not matching tshark: \(missing.prefix(5))")
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
    }

    @Test func offsetsAreAbsoluteAndPointersRelativeToMessage() throws {
        let fixture = try AppLayerFixture.load("dns/dns_udp_response.txt")
        let (message, _, error, fields, end) = decodeDNS(fixture.bytes, prefix: 42)
        #expect(error == nil)
        #expect(end == 42 + fixture.bytes.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 42..<end) == nil)
        let shifted = fixture.fields.map { AppLayerFixture.Expected(name: $0.name, offset: $0.offset + 42,
                                                                    length: $0.length, value: $0.value) }
        #expect(AppLayerFixture.missing(shifted, in: fields).isEmpty)
        #expect(message?.answers.first?.name == "www.tcpdump.org")
    }

    @Test func responseValues() throws {
        let fixture = try AppLayerFixture.load("dns/dns_udp_response.txt")
        let message = try #require(decodeDNS(fixture.bytes).0)
        #expect(message.id == 0x5934)
        #expect(message.isResponse)
        #expect(message.isAuthoritative)
        #expect(message.rcode == 0)
        #expect(message.questions == [DNSQuestion(name: "www.tcpdump.org", type: 1, rrClass: 1)])
        #expect(message.answers.map(\.data) == ["192.139.46.66", "198.199.88.104"])
        #expect(message.answers.first?.address == IPAddress("192.139.46.66"))
        #expect(message.authorities.map(\.data) == ["sns.cooperix.net", "nic.sandelman.ca"])
        #expect(message.additionals.count == 5)
        #expect(message.additionals.last?.type == 41)
    }

    @Test func mdnsCacheFlushAndPTR() throws {
        let fixture = try AppLayerFixture.load("dns/mdns_response.txt")
        let message = try #require(decodeDNS(fixture.bytes).0)
        #expect(message.answers.count == 4)
        #expect(message.answers.allSatisfy { $0.cacheFlush && $0.rrClass == 1 })
        #expect(message.answers[1].data == "johanna-QEMU-Virtual-Machine.local")
    }

    @Test func cnameChain() throws {
        let fixture = try AppLayerFixture.load("dns/cname_chain.txt")
        let message = try #require(decodeDNS(fixture.bytes).0)
        #expect(message.answers.map(\.type) == [5, 5, 1, 1])
        #expect(message.answers[0].data == "crl.www.ms.akadns.net")
    }

    /// Hand-built: MX, SRV, TXT and an unknown type, each checked against values computed by hand.
    @Test func mxSrvTxtAndUnknown() throws {
        var bytes: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 4, 0, 0, 0, 0]
        bytes += [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0, 0, 0xff, 0, 1]  // name at 12
        // MX 10 mail.example.com (compressed: "mail" + pointer to 12)
        bytes += [0xc0, 12, 0, 15, 0, 1, 0, 0, 0x0e, 0x10, 0, 9, 0, 10, 4] + Array("mail".utf8) + [0xc0, 12]
        // SRV 0 5 5060 sip.example.com
        bytes += [0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 60, 0, 12, 0, 0, 0, 5, 0x13, 0xc4, 3] + Array("sip".utf8)
            + [0xc0, 12]
        // TXT "v=1" "hi"
        bytes += [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 7, 3] + Array("v=1".utf8) + [2] + Array("hi".utf8)
        // TYPE99 with 3 raw bytes
        bytes += [0xc0, 12, 0, 99, 0, 1, 0, 0, 0, 60, 0, 3, 0xde, 0xad, 0xbe]
        let (message, _, error, fields, end) = decodeDNS(bytes)
        #expect(error == nil)
        let decoded = try #require(message)
        #expect(decoded.answers.map(\.data) == ["10 mail.example.com", "0 5 5060 sip.example.com", "v=1 hi", "deadbe"])
        #expect(decoded.answers[0].ttl == 3600)
        #expect(end == bytes.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
        let flat = AppLayerFixture.flatten(fields)
        #expect(flat.contains { $0.name == "dns.mx.mail_exchange" && $0.value == "mail.example.com" && $0.length == 7 })
        #expect(flat.contains { $0.name == "dns.srv.port" && $0.value == "5060" })
        #expect(flat.contains { $0.name == "dns.txt" && $0.value == "v=1" })
        #expect(flat.contains { $0.name == "dns.data" && $0.value == "deadbe" })
        #expect(flat.contains { $0.name == "dns.qry.type" && $0.meaning.hasPrefix("ANY") })
    }

    /// TXT strings may be empty (RFC 1035 §3.3: a length byte of 0). Found by the `frame` fuzz target: the empty
    /// string was recorded as a field of zero bytes, which no byte belongs to.
    @Test func emptyTXTStrings() throws {
        var bytes: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]
        bytes += [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0, 0, 16, 0, 1]  // name at 12
        // TXT "" "ok" "": three strings, the first and last empty
        bytes += [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 5, 0, 2] + Array("ok".utf8) + [0]
        let (message, _, error, fields, end) = decodeDNS(bytes)
        #expect(error == nil)
        #expect(try #require(message).answers.map(\.data) == [" ok "])
        #expect(end == bytes.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
        let flat = AppLayerFixture.flatten(fields)
        #expect(flat.filter { $0.name == "dns.txt.length" }.count == 3)
        #expect(flat.filter { $0.name == "dns.txt" }.map(\.value) == ["ok"])
    }

    @Test(arguments: fixtures)
    func everyTruncationThrowsTruncatedWithoutTrapping(_ path: String) throws {
        let bytes = try AppLayerFixture.load(path).bytes
        for length in 0..<bytes.count {
            let (message, _, error, fields, end) = decodeDNS(Array(bytes[0..<length]))
            #expect(message == nil, "length \(length)")
            guard case .truncated = error else {
                Issue.record("length \(length): \(String(describing: error))")
                continue
            }
            #expect(error?.offset ?? -1 <= length)
            #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil, "length \(length)")
        }
    }

    @Test func partialKeepsWhatDecoded() throws {
        let bytes = try AppLayerFixture.load("dns/dns_udp_response.txt").bytes
        // Cut inside the second answer: the question and first answer survive.
        let (_, partial, error, _, _) = decodeDNS(Array(bytes[0..<55]))
        #expect(error != nil)
        let message = try #require(partial)
        #expect(message.isPartial)
        #expect(message.questions.count == 1)
        #expect(message.answers.map(\.data) == ["192.139.46.66"], "\(String(describing: error))")
    }

    // MARK: One test per malformed field

    private static let header: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]

    private func expectInvalid(_ bytes: [UInt8], at offset: Int, _ words: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let (_, _, error, fields, end) = decodeDNS(bytes)
        guard case .invalid(let layer, let where_, _, let reason)? = error else {
            Issue.record("expected invalid, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(layer == .dns, sourceLocation: sourceLocation)
        #expect(where_ == offset, sourceLocation: sourceLocation)
        #expect(reason.contains(words), "\(reason)", sourceLocation: sourceLocation)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil, sourceLocation: sourceLocation)
    }

    @Test func pointerToItselfIsALoop() {
        expectInvalid(Self.header + [0xc0, 12, 0, 1, 0, 1], at: 12, "backwards")
    }

    @Test func pointerLoopBetweenTwoNames() {
        // name at 12: "a" then pointer to 17; at 17 pointer back to 12: the second hop does not go backwards.
        expectInvalid(Self.header + [1, 0x61, 0xc0, 17, 0, 0xc0, 12], at: 14, "backwards")
    }

    @Test func forwardPointer() {
        expectInvalid(Self.header + [0xc0, 20, 0, 1, 0, 1, 0, 0, 0], at: 12, "backwards")
    }

    @Test func labelLongerThan63UsesReservedLabelType() {
        expectInvalid(Self.header + [64] + [UInt8](repeating: 0x61, count: 64) + [0, 0, 1, 0, 1], at: 12, "label type")
    }

    @Test func nameLongerThan255() {
        let label: [UInt8] = [63] + [UInt8](repeating: 0x61, count: 63)
        // four 64-byte labels = 256 bytes + root: too long, fault found at the fourth label (offset 12 + 192).
        expectInvalid(Self.header + label + label + label + label + [0, 0, 1, 0, 1], at: 12 + 192, "longer than 255")
    }

    @Test func tooManyPointerHops() {
        // Each name is one-byte label + pointer to the previous one; the 18th chain needs 17 hops.
        var bytes: [UInt8] = [0, 1, 0x81, 0x80, 0, 20, 0, 0, 0, 0, 0, 0]
        bytes += [1, 0x61, 0, 0, 1, 0, 1]  // question 1 at 12
        var previous = 12
        for _ in 0..<19 {
            let here = bytes.count
            bytes += [1, 0x62, 0xc0, UInt8(previous), 0, 1, 0, 1]
            previous = here
        }
        let (_, _, error, _, _) = decodeDNS(bytes)
        guard case .invalid(_, _, _, let reason)? = error else {
            Issue.record("expected invalid, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("more than 16 compression pointers"))
    }

    @Test func rdataNameRunsPastRecordLength() {
        // CNAME whose rdata length (2) is shorter than the name it holds.
        var bytes: [UInt8] = [0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0]
        bytes += [0, 0, 5, 0, 1, 0, 0, 0, 1, 0, 2, 3, 0x61, 0x62, 0x63, 0]
        expectInvalid(bytes, at: 23, "past the end")
    }

    @Test func txtLengthPastRecordData() {
        var bytes: [UInt8] = [0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0]
        bytes += [0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 3, 5, 0x61, 0x62]
        expectInvalid(bytes, at: 23, "past the end")
    }

    @Test func recordLengthPastMessageIsTruncated() {
        var bytes: [UInt8] = [0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0]
        bytes += [0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0]
        let (_, _, error, _, _) = decodeDNS(bytes)
        #expect(error == .truncated(layer: .dns, offset: 23, needed: 4, available: 2, limitedBy: "caplen"))
    }

    @Test func absurdCountsStopAtTheCap() {
        // 2000 empty-root questions fit in 10 KB; the decoder stops at the per-section cap.
        var bytes: [UInt8] = [0, 1, 0, 0, 0x07, 0xd0, 0, 0, 0, 0, 0, 0]
        for _ in 0..<2000 { bytes += [0, 0, 1, 0, 1] }
        let (_, partial, error, _, _) = decodeDNS(bytes)
        guard case .invalid(_, _, let field, _)? = error else {
            Issue.record("expected invalid, got \(String(describing: error))")
            return
        }
        #expect(field == "dns.count.queries")
        #expect(partial?.questions.count == DNSMessage.maxRecordsPerSection)
    }

    @Test func extraneousBytesAfterLastRecord() {
        let bytes = Self.header + [0, 0, 1, 0, 1, 0xaa, 0xbb]
        let (message, _, error, fields, end) = decodeDNS(bytes)
        #expect(error == nil)
        #expect(message?.questions.first?.name == "<Root>")
        #expect(end == bytes.count)
        #expect(AppLayerFixture.flatten(fields).contains { $0.name == "dns.extraneous.data" && $0.length == 2 })
    }

    /// Real malformed captures from the corpus: they must end in an error, not a trap.
    @Test func corpusMalformed() throws {
        // ndpi/malformed_dns.pcap frame 2 (first 160 bytes) and tcpdump/dns-zlip-1.pcap (header too short).
        let malformed = try #require(AppLayerFixture.fromHex(
            "8fcd818000010002000000000377777702787403636f6d0000010001c00c00010001000001a700043d6b6f1ec00c0005"))
        let (_, _, error, _, _) = decodeDNS(malformed)
        #expect(error != nil)
    }

    @Test func randomBytesNeverTrapAndAlwaysTile() {
        var generator = SeededGenerator(seed: 0xd115)
        for round in 0..<3000 {
            let count = Int.random(in: 0..<200, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Small counts make it past the header more often.
            if bytes.count >= 12 {
                for index in [4, 6, 8, 10] { bytes[index] = 0 }
                bytes[5] = UInt8.random(in: 0...3, using: &generator)
                bytes[7] = UInt8.random(in: 0...3, using: &generator)
            }
            let (_, _, _, fields, end) = decodeDNS(bytes)
            #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil, "round \(round)")
        }
    }
}
