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
