import Lessons
import Render
import Sessions

/// Prints ended sessions in id order. Sessions end out of order (a long keep-alive outlives later ones), so
/// ended sessions wait until every lower id has ended — at most `maxWaiting` of them, then the oldest go out.
final class SessionPrinter {
    private let format: OutputFormat
    private let sink: OutputSink
    private let palette: Palette
    private var waiting: [Int: (SessionSummary, SessionLesson?)] = [:]
    private var nextID = 1
    private var json = JSONWriter()
    static let maxWaiting = 10_000

    init(format: OutputFormat, sink: OutputSink) {
        self.format = format
        self.sink = sink
        palette = Palette.forOutput(isTerminal: sink.isTerminal, environment: ProcessInfoLite.environment)
    }

    /// Text output starts with who the board is (JSON carries it in each session's `board`).
    func announce(board: BoardIdentity?) {
        sink.write(palette.paint(LessonText.boardLine(board), "1"))
        sink.endLine()
        sink.endLine()
    }

    func ended(_ session: SessionSummary, _ lesson: SessionLesson?) {
        waiting[session.id] = (session, lesson)
        drain(force: waiting.count > Self.maxWaiting)
    }

    /// Prints what is left, then the findings about the capture as a whole: in text after the sessions, in JSON
    /// as one last line `{"capture": {"board": …, "diagnosis": […]}}` (only when there is a finding).
    func finish(captureFindings: [Finding], board: BoardIdentity?) {
        while !waiting.isEmpty { drain(force: true) }
        if !captureFindings.isEmpty {
            switch format {
            case .json:
                json.reset()
                json.beginObject()
                json.key("capture"); json.objectValue()
                json.key("board"); LessonText.writeBoard(board, into: &json)
                json.key("diagnosis"); LessonText.writeFindings(captureFindings, into: &json)
                json.endObject()
                json.endObject()
                json.withBytes { sink.write(bytes: $0) }
                sink.endLine()
            case .text:
                sink.write(palette.paint("The whole capture", "1"))
                sink.endLine()
                for finding in captureFindings {
                    for line in LessonText.lines(finding) { sink.write(palette.paint("  " + line, "33")); sink.endLine() }
                }
            }
        }
        sink.flush()
    }

    private func drain(force: Bool) {
        if force, waiting[nextID] == nil, let lowest = waiting.keys.min() { nextID = lowest }
        while let (session, lesson) = waiting.removeValue(forKey: nextID) {
            print(session, lesson)
            nextID += 1
        }
    }

    private func print(_ session: SessionSummary, _ lesson: SessionLesson?) {
        switch format {
        case .json:
            json.reset()
            SessionReport.writeJSON(session, into: &json) { json in
                if let lesson { LessonText.writeSessionLesson(lesson, into: &json) }
            }
            json.withBytes { sink.write(bytes: $0) }
            sink.endLine()
        case .text:
            sink.write(SessionReport.text(session, palette: palette))
            if let lesson {
                if let role = lesson.role {
                    let side = lesson.board == .client || lesson.board == .server ? ", the board is the \(lesson.board.rawValue)" : ""
                    sink.write("  lesson: \(role.rawValue)\(side)\n")
                }
                for finding in lesson.findings {
                    for line in LessonText.lines(finding) { sink.write(palette.paint("  " + line, "33")); sink.endLine() }
                }
            }
            sink.endLine()
        }
    }
}
