import Capture
import Foundation
import Lessons
import Render
import Sessions
import Wire
@testable import socketscope
#if canImport(Glibc)
import Glibc
#endif

/// The CLI's pipeline run in-process (the pieces are libraries): reader, decode, sessions, lessons, then every
/// renderer `read`, `sessions`, `explain`, `follow` and `ladder` use. Reports what a test needs to judge it.
enum InProcess {
    struct Outcome {
        var frames = 0
        var sessions = 0
        /// The first output that was not valid JSON (nil: all valid).
        var badJSON: String?
        var readError: String?
        var streamBytes = 0
    }

    /// Runs `path` through everything, checking every JSON line with JSONSerialization. `maxFrames` bounds time.
    static func run(_ path: String, options: SessionOptions = SessionOptions(), maxFrames: Int = 5000,
                    explainFrames: Int = 8, checkJSON: Bool = true) -> Outcome {
        var outcome = Outcome()
        let tracker = SessionTracker(options: options)
        let lessons = LessonTracker(options: LessonOptions(ladder: .firstTCP))
        var json = JSONWriter()
        func check(_ bytes: [UInt8], _ what: String) {
            guard checkJSON, outcome.badJSON == nil else { return }
            if (try? JSONSerialization.jsonObject(with: Data(bytes))) == nil {
                outcome.badJSON = "\(what): " + String(decoding: bytes.prefix(300), as: UTF8.self)
            }
        }
        tracker.onSessionEnd = { session in
            outcome.sessions += 1
            let lesson = lessons.sessionEnded(session)
            json.reset()
            SessionReport.writeJSON(session, into: &json) { LessonText.writeSessionLesson(lesson, into: &$0) }
            check(json.bytes, "sessions --format json")
            _ = SessionReport.text(session, palette: Palette(enabled: false))
        }
        // `follow` on every session: its text and hex printers see every chunk of every stream.
        let devNull = open("/dev/null", O_WRONLY)
        defer { if devNull >= 0 { close(devNull) } }
        let followSink = OutputSink(fd: devNull)
        let followText = StreamPrinter(format: .text, direction: .both, sink: followSink, palette: Palette(enabled: true))
        let followHex = StreamPrinter(format: .hex, direction: .both, sink: followSink, palette: Palette(enabled: false))
        tracker.onStreamData = { _, side, chunk in
            if case .data(let bytes, _, _) = chunk { outcome.streamBytes += bytes.count }
            followText.consume(side, chunk)
            followHex.consume(side, chunk)
        }
        do {
            let reader = try CaptureFileReader(path: path)
            while outcome.frames < maxFrames, let frame = try reader.next() {
                outcome.frames += 1
                let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
                let annotation = tracker.process(decoded, bytes: frame.bytes, number: frame.number,
                                                 timeNanoseconds: frame.timeNanoseconds,
                                                 originalLength: frame.originalLength)
                let lesson = lessons.process(decoded, annotation: annotation, number: frame.number,
                                             timeNanoseconds: frame.timeNanoseconds, bytes: frame.bytes)
                json.reset()
                FrameJSON.writeFrame(frame, decoded, annotation, into: &json)
                LessonText.writeFrameLesson(lesson, into: &json)
                json.endObject()
                check(json.bytes, "read --format json frame \(frame.number)")
                _ = FrameSummary.info(decoded, annotation, frameNumber: frame.number, bytes: frame.bytes)
                _ = LessonText.line(lesson.step)
                if frame.number <= explainFrames {
                    var recorded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType, recordFields: true)
                    ExplainContext.addSessionMeanings(to: &recorded.fields, annotation)
                    _ = ExplainRenderer.text(frame: recorded, bytes: frame.bytes, frameNumber: frame.number,
                                             originalLength: frame.originalLength, color: false)
                    check(Array(ExplainRenderer.json(frame: recorded, bytes: frame.bytes, frameNumber: frame.number,
                                                     originalLength: frame.originalLength).utf8),
                          "explain --format json frame \(frame.number)")
                }
            }
        } catch {
            outcome.readError = error.description
        }
        _ = tracker.finish()
        _ = lessons.finish()
        if let ladder = lessons.ladder {
            _ = LadderRenderer.text(ladder)
            _ = LadderRenderer.svg(ladder)
        }
        return outcome
    }
}

/// Byte-level mutations of a capture file, reproducible from a seed.
enum Mutator {
    static func mutants(of original: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { index in mutate(original, kind: index % 7, &random) }
    }

    static func mutate(_ original: [UInt8], kind: Int, _ random: inout SeededRandom) -> [UInt8] {
        var bytes = original
        guard bytes.count > 8 else { return bytes + [UInt8](repeating: 0xff, count: 8) }
        // Most mutations aim past the file header, where the records are.
        let low = min(24, bytes.count - 1)
        func position() -> Int { Int.random(in: low..<bytes.count, using: &random) }
        switch kind {
        case 0:  // flip a few bytes
            for _ in 0..<Int.random(in: 1...8, using: &random) { bytes[position()] ^= UInt8.random(in: 1...255, using: &random) }
        case 1:  // truncate
            bytes.removeSubrange(position()...)
        case 2:  // insert random bytes
            let insert = (0..<Int.random(in: 1...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes.insert(contentsOf: insert, at: position())
        case 3:  // duplicate a range (repeats records, or splits one)
            let start = position()
            let end = min(bytes.count, start + Int.random(in: 1...512, using: &random))
            bytes.insert(contentsOf: bytes[start..<end], at: position())
        case 4:  // a 32-bit field (record lengths, block lengths, IP lengths) set to an extreme
            let at = position() & ~3
            let values: [[UInt8]] = [[0, 0, 0, 0], [0xff, 0xff, 0xff, 0xff], [0xff, 0xff, 0, 0], [0, 0, 0xff, 0xff],
                                     [0x7f, 0xff, 0xff, 0xff], [0, 0, 1, 0]]
            let value = values[Int.random(in: 0..<values.count, using: &random)]
            for k in 0..<4 where at + k < bytes.count { bytes[at + k] = value[k] }
        case 5:  // a 16-bit field set to 0 or 0xffff
            let at = position()
            let value: UInt8 = Bool.random(using: &random) ? 0 : 0xff
            for k in 0..<2 where at + k < bytes.count { bytes[at + k] = value }
        default:  // remove a range
            let start = position()
            bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...256, using: &random)))
        }
        return bytes
    }
}
