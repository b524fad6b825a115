import Capture
import Foundation
import Lessons
import Sessions
import Testing
import Wire

/// Paths of the lab captures, the shared corpus and this target's fixtures.
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let captures = root.appendingPathComponent("Captures")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let corpus = URL(fileURLWithPath: "/work/shared/corpus")

    static func capture(_ name: String) -> String { captures.appendingPathComponent(name).path }

    /// Every `.pcap` in Captures/, sorted.
    static var allCaptures: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: captures.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") }.sorted()
    }
}

/// One frame for `LessonRun.run(frames:)`: bytes, link type and time.
struct RawFrame {
    var bytes: [UInt8]
    var linkType: UInt32 = 1
    var timeNanoseconds: Int64
}

/// The whole pipeline as the CLI runs it: Capture → FrameDecoder → SessionTracker → LessonTracker.
struct LessonRun {
    var lessons: [(number: Int, lesson: FrameLesson)] = []
    var sessions: [SessionLesson] = []
    var captureFindings: [Finding] = []
    var board: BoardIdentity?
    var ladder: Ladder?

    var findings: [Finding] { sessions.flatMap(\.findings) + captureFindings }
    var findingIDs: Set<FindingID> { Set(findings.map(\.id)) }

    static func run(path: String, options: LessonOptions = LessonOptions(), prescan: Bool = false) throws -> LessonRun {
        var frames: [RawFrame] = []
        let reader = try CaptureFileReader(path: path)
        while let frame = try reader.next() {
            frames.append(RawFrame(bytes: frame.bytes, linkType: frame.linkType, timeNanoseconds: frame.timeNanoseconds))
        }
        return run(frames: frames, options: options, prescan: prescan)
    }

    static func run(frames: [RawFrame], options: LessonOptions = LessonOptions(), prescan: Bool = false) -> LessonRun {
        var detector: BoardDetector?
        if prescan {
            var first = BoardDetector(override: options.board)
            for (index, frame) in frames.enumerated() {
                first.feed(FrameDecoder.decode(frame.bytes, linkType: frame.linkType), number: index + 1,
                           bytes: frame.bytes)
            }
            detector = first
        }
        let sessions = SessionTracker()
        let tracker = LessonTracker(options: options, detector: detector)
        var run = LessonRun()
        var ended: [SessionSummary] = []
        sessions.onSessionEnd = { ended.append($0) }
        for (index, frame) in frames.enumerated() {
            let number = index + 1
            let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
            let annotation = sessions.process(decoded, bytes: frame.bytes, number: number,
                                              timeNanoseconds: frame.timeNanoseconds)
            for summary in ended { run.sessions.append(tracker.sessionEnded(summary)) }
            ended = []
            run.lessons.append((number, tracker.process(decoded, annotation: annotation, number: number,
                                                        timeNanoseconds: frame.timeNanoseconds, bytes: frame.bytes)))
        }
        _ = sessions.finish()
        for summary in ended { run.sessions.append(tracker.sessionEnded(summary)) }
        run.captureFindings = tracker.finish()
        run.board = tracker.board
        run.ladder = tracker.ladder
        return run
    }

    /// The golden text: the board, one line per frame (inferred lines first, marked "-"), then the findings.
    var golden: String {
        var lines: [String] = []
        lines.append("board: " + (board.map { "\($0.label) [" + $0.evidence.map(\.kind).joined(separator: ",") + "]" }
            ?? "none"))
        func describe(_ step: Step) -> String {
            let number = step.number.map(String.init) ?? "-"
            return "\(step.id.rawValue) \(step.role.rawValue) \(number) \(step.call ?? "-")"
        }
        for (number, lesson) in lessons {
            for step in lesson.inferred { lines.append("     - \(describe(step)) (sends nothing)") }
            let session = lesson.step.session.map { "s\($0)" } ?? "--"
            lines.append(String(repeating: " ", count: max(0, 6 - String(number).count)) + "\(number) \(session) "
                + describe(lesson.step))
        }
        for session in sessions.sorted(by: { $0.session < $1.session }) {
            lines.append("session \(session.session): board \(session.board.rawValue), role "
                + (session.role?.rawValue ?? "none"))
        }
        for finding in findings {
            lines.append("diagnosis \(finding.id.rawValue) session "
                + (finding.session.map(String.init) ?? "-") + " frames "
                + finding.frames.map(String.init).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Explanations, for reviewing goldens by eye (not compared).
    var explained: String {
        var lines: [String] = []
        for (number, lesson) in lessons {
            for step in lesson.inferred { lines.append("   - [\(step.id.rawValue)] \(step.explanation)") }
            lines.append("\(number) [\(lesson.step.id.rawValue)] \(lesson.step.explanation)")
        }
        for finding in findings {
            lines.append("! \(finding.id.rawValue) \(finding.frames): \(finding.error) | \(finding.cause) | "
                + "\(finding.advice) | \(finding.lesson)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
