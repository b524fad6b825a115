import Foundation
import Testing
@testable import Wire

/// Frames with the values tshark 4.0 gives their fields (Fixtures/wire/expected.tsv, made by regenerate.sh).
struct WireFixtureFrame: CustomTestStringConvertible, Sendable {
    struct Expected: Sendable { var name: String; var offset: Int; var length: Int; var value: String }
    var file: String
    var number: Int
    var linkType: UInt32
    var bytes: [UInt8]
    var expected: [Expected] = []
    var testDescription: String { "\(file)#\(number)" }

    static let all: [WireFixtureFrame] = load()

    static func load() -> [WireFixtureFrame] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/wire/expected.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var frames: [WireFixtureFrame] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if parts.first == "" , parts.count >= 5, !frames.isEmpty {
                frames[frames.count - 1].expected.append(Expected(name: parts[1], offset: Int(parts[2]) ?? -1,
                                                                  length: Int(parts[3]) ?? -1, value: parts[4]))
            } else if parts.count >= 4 {
                frames.append(WireFixtureFrame(file: parts[0], number: Int(parts[1]) ?? 0,
                                               linkType: UInt32(parts[2]) ?? 0, bytes: Self.hex(parts[3])))
            }
        }
        return frames
    }

    static func hex(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var high: UInt8?
        for char in text.utf8 {
            guard let nibble = UInt8(String(UnicodeScalar(char)), radix: 16) else { continue }
            if let h = high { out.append(h << 4 | nibble); high = nil } else { high = nibble }
        }
        return out
    }
}

/// Every field, children included, in order.
func flatten(_ fields: [Field]) -> [Field] {
    fields.flatMap { [$0] + flatten($0.children) }
}

@Suite("Wire fields match tshark")
struct WireFixtureTests {
    @Test("fixtures loaded") func loaded() {
        #expect(WireFixtureFrame.all.count >= 20)
    }

    @Test("names, offsets, lengths and values", arguments: WireFixtureFrame.all)
    func matches(_ fixture: WireFixtureFrame) {
        let frame = FrameDecoder.decode(fixture.bytes, linkType: fixture.linkType, recordFields: true)
        let mine = flatten(frame.fields)
        var problems: [String] = []
        for expected in fixture.expected {
            // Known difference: Wireshark also shows IPv6's version nibble as ip.version; we record ipv6.version.
            if expected.name == "ip.version", mine.contains(where: { $0.name == "ipv6.version" && $0.offset == expected.offset }) {
                continue
            }
            let candidates = mine.filter { $0.name == expected.name }
            let hit = candidates.first { field in
                if field.mask != nil {
                    // Bit fields sit on their whole holding field; Wireshark may name just one byte of it.
                    return field.offset <= expected.offset
                        && expected.offset + expected.length <= field.offset + field.length
                }
                return field.offset == expected.offset && field.length == expected.length
            }
            guard let hit else {
                problems.append("missing \(expected.name)@\(expected.offset)+\(expected.length)=\(expected.value) (have \(candidates.map { "\($0.offset)+\($0.length)" }))")
                continue
            }
            if hit.value != expected.value {
                problems.append("\(expected.name)@\(expected.offset): \(hit.value) ≠ tshark \(expected.value)")
            }
        }
        #expect(problems.isEmpty, "\(fixture.testDescription): \(problems.joined(separator: "; "))")
        #expect(Tiling.problem(frame.fields, count: fixture.bytes.count) == nil)
    }
}
