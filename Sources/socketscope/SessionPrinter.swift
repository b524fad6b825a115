import Lessons
import Render
import Sessions

/// Prints ended sessions in id order. Sessions end out of order (a long keep-alive outlives later ones), so
/// ended sessions wait until every lower id has ended — at most `maxWaiting` of them, then the lowest go out.
/// The wait is bounded by the cap, not by the capture: a board's DNS session lives for hours while thousands end
/// behind it, and once the cap is reached every further session forces one out, so that step must be cheap.
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
    private var nextID = 1
    /// The highest `nextID` so far. Waiting ids below it are sessions passed over while they were live (`late`);
    /// the lowest waiting id above it is found by stepping up from it, which over the run costs O(1) per session.
    private var frontier = 1
    /// Waiting ids below `frontier`, lowest on top (ids a run printed meanwhile are dropped as they surface).
    private var late = MinHeap()
    private var json = JSONWriter()
    /// Ended sessions held back at most (each a few KiB). Above the sessions a lab capture of a few minutes has
    /// behind its boards' DNS sessions, so such captures print in strict id order.
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
        waiting[session.id] = Waiting(session, lesson)
        if session.id < frontier { late.push(session.id) }
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
                json.withBytes { sink.write(raw: $0) }
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
        if force, waiting[nextID] == nil, let lowest = lowestWaiting() { nextID = lowest }
        while let entry = waiting.removeValue(forKey: nextID) {
            print(entry.session, entry.lesson)
            nextID += 1
        }
        frontier = max(frontier, nextID)
    }

    /// `waiting.keys.min()` without scanning every key: a late id if any, else the first waiting id from
    /// `frontier` up (the ids stepped over are live; `frontier` passes them for good once the run is printed).
    private func lowestWaiting() -> Int? {
        while let top = late.min, waiting[top] == nil { late.popMin() }
        if let top = late.min { return top }
        guard !waiting.isEmpty else { return nil }
        var id = frontier
        while waiting[id] == nil { id += 1 }
        return id
    }

    private func print(_ session: SessionSummary, _ lesson: SessionLesson?) {
        switch format {
        case .json:
            json.reset()
            SessionReport.writeJSON(session, into: &json) { json in
                Self.writeDNSNotKept(session, into: &json)
                if let lesson { LessonText.writeSessionLesson(lesson, into: &json) }
            }
            json.withBytes { sink.write(raw: $0) }
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

/// A binary min-heap of ids.
struct MinHeap {
    private var items: [Int] = []

    var min: Int? { items.first }

    mutating func push(_ value: Int) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMin() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            if smallest == parent { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
