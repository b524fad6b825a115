import ArgumentParser
import Capture
import Lessons
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

    @OptionGroup var boardOption: BoardOption

    @OptionGroup(title: "Limits") var limits: SessionLimitOptions

    @OptionGroup var threading: ThreadOption

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one capture file (or - for standard input)") }
    }

    func run() throws {
        let sink = OutputSink()
        let report = SessionPrinter(format: format, sink: sink)
        let detector = FrameAnalyzer.detectBoard(in: files, override: boardOption.override)
        let lessons = LessonOptions(board: boardOption.override)
        // With several threads the work is split across cores by flow: the same sessions, numbered and printed
        // the same way.
        let analyzer: any SessionAnalysis = threading.threads >= 2
            ? FlowPartitionedAnalyzer(options: limits.sessionOptions, lessons: lessons, detector: detector,
                                      workers: threading.threads)
            : FrameAnalyzer(options: limits.sessionOptions, lessons: lessons, detector: detector)
        analyzer.onSessionEnd = { report.ended($0, $1) }
        if format == .text { report.announce(board: analyzer.lessons?.board) }
        defer {
            report.finish(captureFindings: analyzer.finish(), board: analyzer.lessons?.board)
            if let report = analyzer.limitsReport { printError(report) }
        }
        try analyzer.follow(files: files, report: { sink.flush() })
    }
}
