import ArgumentParser
import Capture
import Lessons
import Render
#if canImport(Glibc)
import Glibc
#endif

struct LadderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ladder",
        abstract: "Draw one connection as a sequence diagram: the board on the left, the peer on the right.",
        discussion: """
        Time goes down; each arrow is a frame labelled with its TCP flags, relative seq/ack, payload length and \
        tutorial step, and calls that send nothing (socket(), bind(), listen()) are notes on the board's side. \
        Text fits 80 columns; --svg writes a drawing for documents. Without --session, the first TCP session \
        of the board.

        Examples:
          socketscope ladder Captures/http-get.pcap
          socketscope ladder Captures/tcp-server.pcap --session 2
          socketscope ladder Captures/refused.pcap --svg refused.svg
        """
    )

    @Argument(help: "Capture files (pcap or pcapng); - for standard input.")
    var files: [String]

    @Option(name: .long, help: "Session number (see `socketscope sessions`).")
    var session: Int?

    @Option(name: .long, help: "Write an SVG drawing to this file instead of printing text.")
    var svg: String?

    @OptionGroup var boardOption: BoardOption

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one capture file (or - for standard input)") }
        if let session, session < 1 { throw ValidationError("--session must be at least 1") }
    }

    func run() throws {
        var lessonOptions = LessonOptions(board: boardOption.override)
        lessonOptions.ladder = session.map { .session($0) } ?? .firstTCP
        let detector = FrameAnalyzer.detectBoard(in: files, override: boardOption.override)
        let analyzer = FrameAnalyzer(lessons: lessonOptions, detector: detector)
        var ended = false
        analyzer.onSessionEnd = { summary, _ in
            if let session, summary.id == session { ended = true }
        }
        try CaptureInput.forEachFrame(in: files) { frame in
            _ = analyzer.analyze(frame)
            return !ended
        }
        _ = analyzer.finish()
        guard let ladder = analyzer.lessons?.ladder else {
            let what = session.map { "session \($0) is not a TCP session in this capture" } ?? "this capture has no TCP session"
            throw CommandFailure(message: what + " (`socketscope sessions` lists them)", code: 1)
        }
        if let svg {
            let text = LadderRenderer.svg(ladder)
            guard let file = fopen(svg, "w") else {
                throw CommandFailure(message: "\(svg): cannot write: " + String(cString: strerror(errno)), code: 2)
            }
            fputs(text, file)
            fclose(file)
            printError("socketscope: wrote \(svg) (session \(ladder.session), \(ladder.rows.count) rows)")
        } else {
            let sink = OutputSink()
            sink.write(LadderRenderer.text(ladder))
            sink.endLine()
            sink.flush()
        }
    }
}
