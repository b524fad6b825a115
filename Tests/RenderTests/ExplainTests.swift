import Foundation
import Testing
@testable import Render
@testable import Wire

@Suite("explain renderer")
struct ExplainTests {
    /// print-flags.pcap frame 1: Ethernet, IPv4, TCP SYN with MSS, SACK-permitted, timestamps, NOP, window scale.
    static let syn: [UInt8] = hex("00000000000000000000000008004500003c1b684000400621527f0000017f000001da7000503758897e00000000a0027fff142100000204400c0402080a4ddc92160000000001030302")

    static func hex(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            out.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    @Test func textShowsEveryLayerAndField() {
        let frame = FrameDecoder.decode(Self.syn, linkType: 1, recordFields: true)
        let text = ExplainRenderer.text(frame: frame, bytes: Self.syn, frameNumber: 1, originalLength: 74, color: false)
        if ProcessInfo.processInfo.environment["EXPLAIN_PRINT"] != nil { print(text) }
        for needle in ["Ethernet II", "IPv4", "TCP", "eth.dst", "ip.ttl", "tcp.flags.syn", "tcp.options.mss_val", "16396",
                       "ip.flags.df", ".1...... ........", "4  4  4"] {
            #expect(text.contains(needle), "missing \(needle)")
        }
        #expect(!text.contains("\u{1b}"))
        let coloured = ExplainRenderer.text(frame: frame, bytes: Self.syn, frameNumber: 1, originalLength: 74, color: true)
        #expect(coloured.contains("\u{1b}[32m"))
    }

    @Test func jsonHasTheFixedShape() throws {
        let frame = FrameDecoder.decode(Self.syn, linkType: 1, recordFields: true)
        let json = ExplainRenderer.json(frame: frame, bytes: Self.syn, frameNumber: 7, originalLength: 74)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["frame"] as? Int == 7)
        #expect(object["length"] as? Int == 74)
        #expect(object["caplen"] as? Int == 74)
        let fields = try #require(object["fields"] as? [[String: Any]])
        let first = try #require(fields.first)
        #expect(first["layer"] as? String == "eth")
        #expect(first["name"] as? String == "eth.dst")
        #expect(first["offset"] as? Int == 0)
        #expect(first["length"] as? Int == 6)
        #expect(first["value"] as? String == "00:00:00:00:00:00")
        #expect(first["children"] is [Any])
        let ip = try #require(fields.first { $0["name"] as? String == "ip.flags_offset" })
        let df = try #require((ip["children"] as? [[String: Any]])?.first { $0["name"] as? String == "ip.flags.df" })
        #expect(df["mask"] as? Int == 0x4000)
        #expect(df["value"] as? String == "1")
    }

    @Test func hostileBytesStayEscaped() throws {
        // Payload bytes with ESC, a bidi override and invalid UTF-8, carried as a UDP payload and as field values.
        var frame = FrameDecoder.decode(Self.syn, linkType: 1, recordFields: true)
        frame.fields.append(Field(layer: .payload, name: "evil\u{1b}[31m", offset: 74, length: 0,
                                  value: "\u{202e}abc\u{1b}]0;x\u{07}", meaning: "\u{1b}[2J"))
        let text = ExplainRenderer.text(frame: frame, bytes: Self.syn, frameNumber: 1, originalLength: 74, color: false)
        #expect(!text.contains("\u{1b}"))
        #expect(!text.contains("\u{202e}"))
        #expect(!text.contains("\u{07}"))
        let json = ExplainRenderer.json(frame: frame, bytes: Self.syn, frameNumber: 1, originalLength: 74)
        #expect(!json.contains("\u{1b}"))
        #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) is [String: Any])
    }

    @Test func safeEscapesControlsButKeepsBackslashes() {
        #expect(ExplainRenderer.safe("a\u{1b}[31mb\u{202e}c") == "a\\x1b[31mb\\u{202e}c")
        #expect(ExplainRenderer.safe("GET / HTTP/1.1\\r\\n") == "GET / HTTP/1.1\\r\\n")
        #expect(ExplainRenderer.safe("\u{85}\u{7f}\t") == "\\x85\\x7f\\x09")
        #expect(ExplainRenderer.safe("café ☕") == "café ☕")
    }

    @Test func defaultFrameIsTheFirstHTTPGet() {
        // An Ethernet/IPv4/TCP segment whose payload starts "GET /".
        var get = Self.syn
        get.replaceSubrange(14 + 20 + 20..<get.count, with: Array("GET / HTTP/1.1\r\n\r\n".utf8))
        get[14 + 32] = 0x50  // data offset 5
        let frames: [(bytes: [UInt8], linkType: UInt32)] = [(Self.syn, 1), (Self.syn, 1), (get, 1)]
        #expect(ExplainRenderer.defaultFrameNumber(frames) == 3)
        #expect(ExplainRenderer.defaultFrameNumber(frames.prefix(2).map { $0 }) == 1)
    }
}

@Suite("explain over every capture")
struct ExplainCorpusTests {
    /// Every frame of the project's captures and a sample of the corpus: valid JSON, no raw control bytes in text.
    @Test func allFramesRenderSafely() throws {
        var files: [URL] = []
        for root in ["/work/shared/corpus", URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Captures").path] {
            guard let e = FileManager.default.enumerator(atPath: root) else { continue }
            for case let path as String in e where path.hasSuffix(".pcap") {
                files.append(URL(fileURLWithPath: root).appendingPathComponent(path))
            }
        }
        var rendered = 0
        for url in files {
            guard let data = try? Data(contentsOf: url), data.count > 24, data[0] == 0xd4, data[1] == 0xc3 else { continue }
            let bytes = [UInt8](data)
            let link = UInt32(bytes[20]) | UInt32(bytes[21]) << 8
            var offset = 24, number = 0
            while offset + 16 <= bytes.count, number < 12 {
                let length = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16
                guard length <= bytes.count - offset - 16 else { break }
                number += 1
                let frameBytes = Array(bytes[(offset + 16)..<(offset + 16 + length)])
                offset += 16 + length
                let frame = FrameDecoder.decode(frameBytes, linkType: link, recordFields: true)
                let json = ExplainRenderer.json(frame: frame, bytes: frameBytes, frameNumber: number, originalLength: length)
                guard (try? JSONSerialization.jsonObject(with: Data(json.utf8))) is [String: Any] else {
                    Issue.record("\(url.lastPathComponent) frame \(number): invalid JSON"); return
                }
                for color in [false, true] {
                    let text = ExplainRenderer.text(frame: frame, bytes: frameBytes, frameNumber: number,
                                                    originalLength: length, color: color)
                    let stripped = text.replacingOccurrences(of: "\u{1b}\\[[0-9;]*m", with: "", options: .regularExpression)
                    if stripped.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7f || (0x80..<0xa0).contains($0.value) || (0x202a...0x202e).contains($0.value) }) {
                        Issue.record("\(url.lastPathComponent) frame \(number): raw control character in text"); return
                    }
                }
                rendered += 1
            }
        }
        #expect(rendered > 300)
    }
}

/// Debugging aid: EXPLAIN_FILE=path.pcap EXPLAIN_FRAME=n prints that frame's explanation (classic pcap only).
@Test func explainFileFromEnvironment() throws {
    let environment = ProcessInfo.processInfo.environment
    guard let path = environment["EXPLAIN_FILE"], let data = FileManager.default.contents(atPath: path) else { return }
    let wanted = Int(environment["EXPLAIN_FRAME"] ?? "1") ?? 1
    let bytes = [UInt8](data)
    let link = UInt32(bytes[20]) | UInt32(bytes[21]) << 8
    var offset = 24, number = 0
    while offset + 16 <= bytes.count {
        let length = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16
        let original = Int(bytes[offset + 12]) | Int(bytes[offset + 13]) << 8 | Int(bytes[offset + 14]) << 16
        guard length <= bytes.count - offset - 16 else { break }
        number += 1
        if number == wanted {
            let frameBytes = Array(bytes[(offset + 16)..<(offset + 16 + length)])
            let frame = FrameDecoder.decode(frameBytes, linkType: link, recordFields: true)
            print(ExplainRenderer.text(frame: frame, bytes: frameBytes, frameNumber: number, originalLength: original, color: false))
            return
        }
        offset += 16 + length
    }
}
