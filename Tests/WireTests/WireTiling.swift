import Foundation
import Testing
@testable import Wire

/// Checks that a frame's innermost byte fields tile `[0, count)` exactly; returns the first problem.
enum Tiling {
    static func problem(_ fields: [Field], count: Int) -> String? {
        let leaves = fields.flatMap { $0.innermostByteFields }
        var next = 0
        for leaf in leaves {
            if leaf.offset != next {
                return "\(leaf.name) at \(leaf.offset)+\(leaf.length), expected offset \(next)"
            }
            if leaf.length <= 0 { return "\(leaf.name) at \(leaf.offset) has length \(leaf.length)" }
            next = leaf.offset + leaf.length
        }
        if next != count { return "fields end at \(next), frame has \(count) bytes" }
        return groupProblem(fields)
    }

    /// Groups must cover exactly their byte children; bit fields must sit on their holder's bytes.
    static func groupProblem(_ fields: [Field]) -> String? {
        for field in fields {
            let bytes = field.children.filter { $0.mask == nil }
            for bit in field.children where bit.mask != nil {
                if bit.offset != field.offset || bit.length != field.length { return "bit field \(bit.name) not on \(field.name)" }
            }
            if let first = bytes.first, let last = bytes.last {
                if first.offset != field.offset || last.offset + last.length != field.offset + field.length {
                    return "group \(field.name) \(field.offset)+\(field.length) not covered by its children"
                }
            }
            if let p = groupProblem(bytes) { return p }
        }
        return nil
    }
}

@Suite("Tiling over every capture")
struct TilingTests {
    static let files = TestPcap.allCaptureFiles()

    @Test("every byte of every frame is in exactly one field", arguments: files)
    func tiles(_ url: URL) throws {
        guard let packets = TestPcap.read(url) else { return }  // unreadable by design (reject tests)
        for packet in packets {
            let frame = FrameDecoder.decode(packet.bytes, linkType: packet.linkType, recordFields: true)
            if let problem = Tiling.problem(frame.fields, count: packet.bytes.count) {
                Issue.record("\(url.lastPathComponent) frame \(packet.number): \(problem)")
                return
            }
            // The fast path must agree with the recording path.
            let fast = FrameDecoder.decode(packet.bytes, linkType: packet.linkType)
            #expect(fast.stoppedAt == frame.stoppedAt, "\(url.lastPathComponent) frame \(packet.number)")
            #expect(fast.sourceIP == frame.sourceIP && fast.tcp == frame.tcp && fast.udp == frame.udp)
            #expect(fast.transportChecksum == frame.transportChecksum && fast.ipChecksum == frame.ipChecksum)
        }
    }
}

@Suite("Corpus survey")
struct CorpusSurvey {
    /// Prints how decoding ended for every frame (set WIRE_SURVEY=1); a debugging aid, always passes.
    @Test func survey() {
        if let file = ProcessInfo.processInfo.environment["WIRE_FILE"], let packets = TestPcap.read(URL(fileURLWithPath: file)) {
            for packet in packets {
                let frame = FrameDecoder.decode(packet.bytes, linkType: packet.linkType, recordFields: true)
                print(packet.number, frame.ipChecksum?.rawValue ?? "-", frame.transportChecksum?.rawValue ?? "-",
                      frame.ipProtocol ?? 0, frame.payloadLength, frame.stoppedAt?.summary ?? "")
            }
        }
        guard ProcessInfo.processInfo.environment["WIRE_SURVEY"] != nil else { return }
        var total = 0
        for url in TestPcap.allCaptureFiles() {
            guard let packets = TestPcap.read(url) else { continue }
            var stops: [String: Int] = [:]
            for packet in packets {
                total += 1
                let frame = FrameDecoder.decode(packet.bytes, linkType: packet.linkType, recordFields: true)
                let leaves = frame.fields.flatMap { $0.innermostByteFields }.map(\.name)
                if let stop = frame.stoppedAt { stops[stop.summary, default: 0] += 1 }
                if frame.transportChecksum == .bad || frame.ipChecksum == .bad { stops["bad checksum", default: 0] += 1 }
                _ = leaves
            }
            print(url.path.replacingOccurrences(of: "/work/shared/corpus/", with: ""), packets.count, packets.first.map { $0.linkType } ?? 0, stops)
        }
        print("frames:", total)
    }
}
