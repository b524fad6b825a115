import Lessons
import Render
import Sessions

/// Prints ended sessions in id order. Sessions end out of order (a long keep-alive outlives later ones), so
/// ended sessions wait until every lower id has ended — at most `maxWaiting` of them; past it the lowest waiting
/// goes out, and a session passed over while it was live is printed as soon as it ends. The wait is bounded by
/// the cap, not by the capture: a board's DNS session lives for hours while thousands end behind it.
final class SessionPrinter {
    /// An ended session held back for id order (a box, so the table stays small while it holds thousands).
    private final class Waiting {
        let session: SessionSummary
        let lesson: SessionLesson?
        init(_ session: SessionSummary, _ lesson: SessionLesson?) {
            self.session = session
            self.lesson = lesson
        }
    }

    private let format: OutputFormat
    private let sink: OutputSink
    private let palette: Palette
    private var waiting: [Int: Waiting] = [:]
    /// Every id below it is printed or was passed over; it only moves forward, so finding the lowest waiting
    /// session costs O(1) per session over the run.
    private var nextID = 1
    private var json = JSONWriter()
    /// Ended sessions held back at most (each a few KiB). Above the sessions a lab capture of a few minutes has
    /// behind its boards' DNS sessions, so such captures print in strict id order.
    static let maxWaiting = 10_000
    /// Sessions printed out of id order because the wait was full (for tests and the curious).
    private(set) var printedOutOfOrder = 0

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
        if session.id < nextID {
            // Passed over while it was live: it is out of order already, and holding it would not help.
            printedOutOfOrder += 1
            print(session, lesson)
            return
        }
        waiting[session.id] = Waiting(session, lesson)
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
        if force, waiting[nextID] == nil, !waiting.isEmpty {
            // Every waiting id is ≥ nextID, so the scan ends; the ids it skips are still live.
            while waiting[nextID] == nil { nextID += 1 }
            printedOutOfOrder += 1
        }
        while let entry = waiting.removeValue(forKey: nextID) {
            print(entry.session, entry.lesson)
            nextID += 1
        }
    }

    private func print(_ session: SessionSummary, _ lesson: SessionLesson?) {
        switch format {
        case .json:
            json.reset()
            SessionReport.writeJSON(session, into: &json) { json in
                Self.writeDNSNotKept(session, into: &json)
                if let lesson { LessonText.writeSessionLesson(lesson, into: &json) }
            }
            json.withBytes { sink.write(bytes: $0) }
            sink.endLine()
        case .text:
            sink.write(SessionReport.text(session, palette: palette))
            if let line = Self.dnsNotKeptLine(session) { sink.write(line) }
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

    /// Says how many DNS transactions the session saw past the ones listed (`dns` keeps the first
    /// `SessionOptions.maxDNSTransactionsPerSession`). Only when some were not kept, so other sessions print as
    /// before.
    static func writeDNSNotKept(_ session: SessionSummary, into json: inout JSONWriter) {
        let tally = session.dnsNotKept
        guard tally.transactions > 0 else { return }
        json.field("dns_transactions", session.dnsTransactionCount)
        json.key("dns_not_kept"); json.objectValue()
        json.field("transactions", tally.transactions)
        json.field("answered", tally.answered)
        json.field("errors", tally.errors)
        json.field("unanswered", tally.unanswered)
        if let frame = tally.firstFrame { json.field("first_frame", frame) } else { json.fieldNull("first_frame") }
        if let frame = tally.lastFrame { json.field("last_frame", frame) } else { json.fieldNull("last_frame") }
        json.endObject()
    }

    /// The text form of `writeDNSNotKept`: one line under the session's block.
    static func dnsNotKeptLine(_ session: SessionSummary) -> String? {
        let tally = session.dnsNotKept
        guard tally.transactions > 0 else { return nil }
        var line = "  DNS: \(tally.transactions) more transactions not listed (only the first \(session.dns.count) are)"
        line += ": \(tally.answered) answered, \(tally.errors) of them with an error, \(tally.unanswered) unanswered"
        if let first = tally.firstFrame, let last = tally.lastFrame { line += "; frames \(first)–\(last)" }
        return line + "\n"
    }
}
