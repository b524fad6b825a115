import Capture
import Foundation
import Lessons
import Sessions
import Testing
import Wire
@testable import socketscope

/// `sessions` with several workers runs the lessons on the workers (each over its own flows) when the board's
/// addresses are known before the pass; the merger then sees only `FrameFacts`. The ended sessions, their lessons
/// and the capture-wide findings must be exactly what one thread makes.
@Suite struct WorkerLessonsTests {
    /// Every ended session (summary and lesson, in their full printed form) in order, and the capture-wide findings.
    static func run(_ analyzer: any SessionAnalysis, _ path: String) throws -> [String] {
        var ended: [String] = []
        analyzer.onSessionEnd = { summary, lesson in
            ended.append(String(describing: summary) + " | " + String(describing: lesson))
        }
        try analyzer.follow(files: [path], report: {})
        ended.append(String(describing: analyzer.finish()))
        return ended
    }

    @Test("two and three workers end the same sessions with the same lessons as one thread, on every capture")
    func sameSessionsAndLessons() throws {
        var onWorkers = 0
        for path in ThreadsTests.captures {
            let detector = FrameAnalyzer.detectBoard(in: [path], override: nil)
            let lessons = LessonOptions()
            let single = try? Self.run(FrameAnalyzer(lessons: lessons, detector: detector), path)
            for workers in [2, 3] {
                let split = FlowPartitionedAnalyzer(options: SessionOptions(), lessons: lessons, detector: detector,
                                                    workers: workers)
                let result = try? Self.run(split, path)
                #expect(split.lessonsRanOnWorkers == detector.knowsBoardAddresses, "\(path)")
                if split.lessonsRanOnWorkers { onWorkers += 1 }
                guard let single, let result else {
                    #expect((single == nil) == (result == nil), "\(path): one failed, the other did not")
                    continue
                }
                // Idle sessions end at the same frame only while the clock runs forward (ThreadsTests).
                guard try Self.timeAscends(path) else { continue }
                #expect(result.count == single.count, "\(path), \(workers) workers")
                for (index, (mine, theirs)) in zip(result, single).enumerated() where mine != theirs {
                    Issue.record("\(path), \(workers) workers, entry \(index):\n\(mine)\none thread:\n\(theirs)")
                    break
                }
            }
        }
        // The bundled captures know their board from the first frames: the workers must have run the lessons.
        #expect(onWorkers >= 2 * 10, "workers ran the lessons on \(onWorkers) runs")
    }

    /// Eight servers, each connected to twice from the same port: the second SYN (a new ISN) replaces the closed
    /// first connection, so that connection ends on that frame, on whichever worker follows the pair.
    static let reusedPorts = CLI.builtCapture("reused-ports.pcap") { path in
        typealias C = SplitLookupCapture
        var frames: [[UInt8]] = []
        for index in 1...8 {
            let server = C.server(index), port = 40000 + index
            for isn: UInt32 in [6509, 90000] {
                frames += [
                    C.tcp(from: C.board, port, to: server, 80, seq: isn, ack: 0, flags: 0x02),
                    C.tcp(from: server, 80, to: C.board, port, seq: 1000, ack: isn + 1, flags: 0x12),
                    C.tcp(from: C.board, port, to: server, 80, seq: isn + 1, ack: 1001, flags: 0x10),
                    C.tcp(from: C.board, port, to: server, 80, seq: isn + 1, ack: 1001, flags: 0x11),
                    C.tcp(from: server, 80, to: C.board, port, seq: 1001, ack: isn + 2, flags: 0x11),
                    C.tcp(from: C.board, port, to: server, 80, seq: isn + 2, ack: 1002, flags: 0x10),
                ]
            }
        }
        try PcapFile.write(frames, to: path)
    }

    /// Frames and ended sessions in the order the output sees them: a session that a frame ends (a reused port
    /// pair, a new connection past `--max-flows`) ends before that frame is handed on, on whichever worker its flows
    /// are followed — the merger's own share included.
    @Test("sessions end before the frame that ends them, with one thread and with two or three workers")
    func endsBeforeTheirFrame() throws {
        var compared = 0
        var endedBetweenFrames = 0
        for path in [Self.reusedPorts] + ThreadsTests.captures where try Self.timeAscends(path) {
            var single: [String] = []
            let analyzer = FrameAnalyzer(lessons: LessonOptions())
            analyzer.onSessionEnd = { summary, _ in single.append("end \(summary.id)") }
            guard (try? CaptureInput.forEachFrame(in: [path], before: {}, { frame in
                analyzer.withAnalysis(frame) { _, annotation, _ in
                    single.append("frame \(frame.number) session \(annotation.session.map(String.init) ?? "-")")
                }
                return true
            })) != nil else { continue }
            _ = analyzer.finish()
            // Sessions ended between two frames (by the clock, or by the later frame), not at the end of the capture.
            for (index, event) in single.enumerated().dropFirst() where event.hasPrefix("frame ") {
                if single[index - 1].hasPrefix("end ") { endedBetweenFrames += 1 }
            }
            for workers in [2, 3] {
                let split = FlowPartitionedAnalyzer(options: SessionOptions(), lessons: LessonOptions(), detector: nil,
                                                    workers: workers)
                var events: [String] = []
                split.onSessionEnd = { summary, _ in events.append("end \(summary.id)") }
                try split.run(files: [path], report: {}) { frame, _, annotation, _, _ in
                    events.append("frame \(frame.number) session \(annotation.session.map(String.init) ?? "-")")
                    return true
                }
                _ = split.finish()
                compared += 1
                guard events != single else { continue }
                let first = zip(events, single).enumerated().first { $0.element.0 != $0.element.1 }
                let what = first.map { "\($0.element.0) instead of \($0.element.1)" } ?? "lengths differ"
                Issue.record("\(path), \(workers) workers: first difference at event \(first?.offset ?? -1): \(what)")
            }
        }
        #expect(compared > 40)
        // Sessions must end between frames somewhere (else this test could not tell the orders apart).
        #expect(endedBetweenFrames > 10)
    }

    static func timeAscends(_ path: String) throws -> Bool {
        guard let reader = try? CaptureFileReader(path: path) else { return false }
        var last = Int64.min
        while let frame = try? reader.next() {
            if frame.timeNanoseconds < last { return false }
            last = frame.timeNanoseconds
        }
        return true
    }

    /// The frames handed to the merger whole are those whose capture-wide lessons read more than the addresses.
    @Test func framesHandedWhole() throws {
        func frames(_ name: String) throws -> [DecodedFrame] {
            let reader = try CaptureFileReader(path: CLI.repository.appendingPathComponent("Captures/\(name)").path)
            var decoded: [DecodedFrame] = []
            while let frame = try reader.next() {
                decoded.append(FrameDecoder.decode(frame.bytes, linkType: frame.linkType))
            }
            return decoded
        }
        let web = try frames("http-get-by-name.pcap") + frames("wifi-join.pcap")
        let whole = web.filter(FrameFacts.isReadWhole)
        #expect(whole.contains { $0.hasARP } && whole.contains { $0.hasDNS } && whole.contains { $0.hasDHCP })
        #expect(whole.contains { $0.tcp?.flags.contains(.syn) == true })
        // Everything else is handed over as its addresses: plain TCP segments, and nothing of these kinds.
        let rest = web.filter { !FrameFacts.isReadWhole($0) }
        #expect(rest.count > 10)
        #expect(rest.allSatisfy { !$0.hasARP && !$0.hasDNS && !$0.hasDHCP && $0.tcp?.flags.contains(.syn) != true })
        #expect(rest.allSatisfy { frame in
            frame.udp.map { ![67, 68].contains($0.sourcePort) && ![67, 68].contains($0.destinationPort) } ?? true
        })
    }
}
