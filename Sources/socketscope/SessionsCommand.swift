import ArgumentParser
import Capture
import Render
import Sessions
import Wire

struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Rebuild each connection: handshake, request, response and close, with what went wrong.",
        discussion: """
        One block per TCP or UDP session: endpoints, Zeek's state code and history, duration, frames and \
        reassembled bytes per side, DNS lookups and HTTP exchanges, and anomalies. Sessions are numbered by their \
        first frame, as in `read` and `follow --session N`. Needs no privileges.

        Examples:
          socketscope sessions Captures/http-get.pcap
          socketscope sessions Captures/lossy.pcap --format json | jq .history
        """
    )

    @Argument(help: "Capture files (pcap or pcapng); - for standard input.")
    var files: [String]

    @Option(name: .long, help: "Output format: text (a block per session) or json (one object per session and line).")
    var format: OutputFormat = .text

    @OptionGroup(title: "Limits") var limits: SessionLimitOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one capture file (or - for standard input)") }
    }

    func run() throws {
        let sink = OutputSink()
        let report = SessionPrinter(format: format, sink: sink)
        let analyzer = FrameAnalyzer(options: limits.sessionOptions)
        let tracker = analyzer.tracker
        tracker.onSessionEnd = { report.ended($0) }
        defer {
            _ = tracker.finish()
            report.finish()
            if tracker.evictedCount > 0 {
                printError("socketscope: \(tracker.evictedCount) sessions were ended early to stay within --max-flows")
            }
        }
        try CaptureInput.forEachFrame(in: files, before: { sink.flush() }) { frame in
            _ = analyzer.analyze(frame)
            return true
        }
    }
}

/// Prints ended sessions in id order. Sessions end out of order (a long keep-alive outlives later ones), so
/// ended sessions wait until every lower id has ended — at most `maxWaiting` of them, then the oldest go out.
final class SessionPrinter {
    private let format: OutputFormat
    private let sink: OutputSink
    private let palette: Palette
    private var waiting: [Int: SessionSummary] = [:]
    private var nextID = 1
    private var json = JSONWriter()
    static let maxWaiting = 10_000

    init(format: OutputFormat, sink: OutputSink) {
        self.format = format
        self.sink = sink
        palette = Palette.forOutput(isTerminal: sink.isTerminal, environment: ProcessInfoLite.environment)
    }

    func ended(_ session: SessionSummary) {
        waiting[session.id] = session
        drain(force: waiting.count > Self.maxWaiting)
    }

    func finish() {
        while !waiting.isEmpty { drain(force: true) }
        sink.flush()
    }

    private func drain(force: Bool) {
        if force, waiting[nextID] == nil, let lowest = waiting.keys.min() { nextID = lowest }
        while let session = waiting.removeValue(forKey: nextID) {
            print(session)
            nextID += 1
        }
    }

    private func print(_ session: SessionSummary) {
        switch format {
        case .json:
            json.reset()
            SessionReport.writeJSON(session, into: &json)
            sink.write(bytes: json.bytes)
            sink.endLine()
        case .text:
            sink.write(SessionReport.text(session, palette: palette))
            sink.endLine()
        }
    }
}
