import Capture
import Lessons
import Render
import Sessions
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The one output path of `read` and `live`: decode each frame, follow its session, give it its tutorial step,
/// then print it as text or JSON. Memory depends on the live sessions, never on how many frames went by.
///
/// Text from a file is grouped by session: a session's lines wait until it ends, then print as one block with
/// its diagnosis (at most `maxBufferedLines` per session; past that the block is printed in parts). Live text
/// prints each frame as it arrives, and each session's diagnosis when it ends.
///
/// The writers and blocks every line touches are `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): used on
/// one thread, by this class's methods, one access at a time.
final class FramePipeline {
    private let options: FrameOutputOptions
    /// Read once: each read of an ArgumentParser option goes through its property wrapper's generic storage.
    private let format: OutputFormat
    private let explain: Bool
    private let sink: OutputSink
    private let analyzer: FrameAnalyzer
    /// The analysis split across cores by flow (`read` with `threads` ≥ 2); nil when `analyzer` does it all.
    private var partitioned: FlowPartitionedAnalyzer?
    /// Whichever of the two does the work.
    private var analysis: any SessionAnalysis { partitioned ?? analyzer }
    private let detector: BoardDetector?
    private let palette: Palette
    private let grouped: Bool
    /// Each distinct step's JSON, written once (JSON lines on this thread).
    @exclusivity(unchecked) private var steps = StepJSONCache()
    @exclusivity(unchecked) private var firstTime: Int64?
    @exclusivity(unchecked) private var blocks: [Int: SessionBlock] = [:]
    /// The text line being built (reused: its buffer keeps its capacity).
    @exclusivity(unchecked) private var line: TextLine
    /// A session's header and closing line, built in place like `line` (as Strings they cost more per session
    /// than its frames' lines on a lab capture's short connections).
    @exclusivity(unchecked) private var sessionLine: TextLine
    @exclusivity(unchecked) private var boardAnnounced = false
    static let maxBufferedLines = 5000

    private let threads: Int
    /// When workers prepare lines (`LinePreparation`); the output is the same. Tests set it.
    var linePreparation = LinePreparation.balanced

    init(options: FrameOutputOptions, sink: OutputSink, grouped: Bool, detector: BoardDetector? = nil,
         threads: Int = 1, localMACs: Set<MACAddress> = []) {
        self.threads = threads
        self.options = options
        self.detector = detector
        self.sink = sink
        format = options.format
        explain = options.explain
        self.grouped = grouped && options.format == .text
        var sessionOptions = options.sessionOptions
        sessionOptions.httpBodyDigests = false  // frame output never prints a body digest
        analyzer = FrameAnalyzer(options: sessionOptions, lessons: LessonOptions(board: options.boardOption.override),
                                 detector: detector)
        palette = Palette.forOutput(isTerminal: sink.isTerminal, environment: ProcessInfoLite.environment)
        line = TextLine(palette: palette)
        sessionLine = TextLine(palette: palette)
        analyzer.localMACs = localMACs
        analyzer.onSessionEnd = { [unowned self] summary, lesson in self.sessionEnded(summary, lesson) }
    }

    /// Reads the files and prints every frame. With `threads` ≥ 2 the decoding and session work is split across
    /// that many workers by flow (same output, same order); with 1 everything runs on this thread.
    func read(files: [String]) throws {
        guard threads >= 2 else {
            try CaptureInput.forEachFrame(in: files, before: { flushOutput() }) { frame in
                process(frame)
                return true
            }
            return
        }
        let partitioned = FlowPartitionedAnalyzer(options: analyzer.tracker.options,
                                                  lessons: LessonOptions(board: options.boardOption.override),
                                                  detector: detector, workers: threads)
        partitioned.onSessionEnd = { [unowned self] summary, lesson in self.sessionEnded(summary, lesson) }
        // The workers write what they can of each line: JSON up to the step, with a stand-in for the session
        // number that the merger fills in; text from the protocol to the summary. The merger adds the rest (the
        // step; for text also the number, time and endpoints, which name the board) and puts the line out.
        switch format {
        case .json: partitioned.prepareOnWorker = Self.prepareJSON
        case .text:
            let palette = palette
            partitioned.prepareOnWorker = { frame, decoded, annotation, lines in
                Self.prepareText(frame, &decoded, &annotation, palette, into: &lines)
            }
        }
        partitioned.linePreparation = linePreparation
        self.partitioned = partitioned
        try partitioned.run(files: files, report: { flushOutput() }) { frame, decoded, annotation, lesson, line in
            switch format {
            case .json:
                if let line {
                    finishJSON(line, session: annotation.session, lesson)
                } else {
                    Self.writeJSON(frame, decoded, annotation, lesson, steps: &steps, sink: sink)
                }
            case .text:
                writeText(frame, decoded, annotation, lesson, board: currentBoard(), prepared: line)
            }
            return true
        }
    }

    /// Prints one frame; `decoded` is its fast-path decoding when a reading thread already did it (live capture).
    func process(_ frame: Frame, decoded alreadyDecoded: DecodedFrame? = nil) {
        analyzer.withAnalysis(frame, decoded: alreadyDecoded) { decoded, annotation, lesson in
            switch format {
            case .json: Self.writeJSON(frame, decoded, annotation, lesson, steps: &steps, sink: sink)
            case .text: writeText(frame, decoded, annotation, lesson, board: currentBoard())
            }
        }
    }

    /// Everything processed so far is on the sink, flushed (before a message on stderr).
    func flushOutput() {
        sink.flush()
    }

    func finish() {
        let findings = analysis.finish()
        if format == .text {
            for (_, block) in blocks.sorted(by: { $0.key < $1.key }) { emit(block) }
            blocks = [:]
            if !findings.isEmpty {
                emit("")
                emit(palette.paint("── the whole capture ──", "1"))
                for finding in findings { LessonText.lines(finding).forEach { emit(palette.paint($0, "33")) } }
            }
        }
        sink.flush()
        if let report = analysis.limitsReport { printError(report) }
        sink.flush()
    }

    // MARK: JSON

    /// A worker's part of a JSON line, written after the lines before it: everything up to the step, with `0`
    /// standing for the session number when the frame has a session. Returns where that stand-in is in `json`.
    @Sendable static func prepareJSON(_ frame: Frame, _ decoded: inout DecodedFrame,
                                      _ annotation: inout FrameAnnotation, into json: inout JSONWriter) -> Range<Int>? {
        json.startLine()
        let standIn = FrameJSON.writeFrameWithSessionStandIn(frame, decoded, annotation, into: &json)
        return standIn.map { $0..<($0 + 1) }
    }

    /// A worker's part of a text line (`FrameText.writeMiddle`), written after the lines before it.
    @Sendable static func prepareText(_ frame: Frame, _ decoded: inout DecodedFrame,
                                      _ annotation: inout FrameAnnotation, _ palette: Palette,
                                      into lines: inout JSONWriter) -> Range<Int>? {
        lines.withTextLine(palette: palette) { line in
            FrameText.writeMiddle(frame, decoded, annotation, into: &line)
        }
        return nil
    }

    /// Puts out a line a worker prepared: its bytes with the session's number in place of the stand-in, then the
    /// step, written straight into the output buffer.
    private func finishJSON(_ line: PreparedLine, session: Int?, _ lesson: FrameLesson?) {
        sink.writeLine { json in
            if let mark = line.mark, let session, mark.upperBound <= line.bytes.count {
                json.appendRaw(UnsafeRawBufferPointer(rebasing: line.bytes[..<mark.lowerBound]))
                json.appendRaw(decimal: UInt64(clamping: session))
                json.appendRaw(UnsafeRawBufferPointer(rebasing: line.bytes[mark.upperBound...]))
            } else {
                json.appendRaw(line.bytes)
            }
            // The prepared part opens the line's object and ends after a member.
            json.resumeObject()
            if let lesson { steps.writeFrameLesson(lesson, into: &json) }
            json.endObject()
        }
    }

    static func writeJSON(_ frame: Frame, _ decoded: DecodedFrame, _ annotation: FrameAnnotation, _ lesson: FrameLesson?,
                          steps: inout StepJSONCache, sink: OutputSink) {
        sink.writeLine { json in
            FrameJSON.writeFrame(frame, decoded, annotation, into: &json)
            if let lesson { steps.writeFrameLesson(lesson, into: &json) }
            json.endObject()
        }
    }

    // MARK: Text

    private func emit(_ line: String) {
        sink.write(line)
        sink.endLine()
    }

    /// The board line as it stands now (nil without lessons, or once it was printed or handed over).
    private func currentBoard() -> BoardLine? {
        guard !boardAnnounced, let lessons = analysis.lessons else { return nil }
        return BoardLine(board: lessons.board)
    }

    private func announceBoard(_ line: BoardLine?) {
        guard !boardAnnounced, let line else { return }
        // Live output cannot wait: it says who the board is once that is known (or after the first frame).
        boardAnnounced = true
        emit(palette.paint(LessonText.boardLine(line.board), "1"))
        emit("")
    }

    private func emit(_ block: SessionBlock) {
        sink.write(lines: block.bytes)
    }

    /// Prints a line (ungrouped output).
    private func put(_ text: UnsafeRawBufferPointer) {
        sink.write(raw: text)
        sink.endLine()
    }

    /// Prints (or holds back) a frame's text line; `prepared` is its middle as a worker wrote it, if one did.
    private func writeText(_ frame: Frame, _ decoded: DecodedFrame, _ annotation: FrameAnnotation, _ lesson: FrameLesson?,
                           board: BoardLine?, prepared: PreparedLine? = nil) {
        announceBoard(board)
        let start = firstTime ?? frame.timeNanoseconds
        firstTime = start
        // Built in the reused line in place (`line` is not checked at run time; see the class comment).
        line.reset()
        if let prepared {
            FrameText.writeHead(frame, decoded, annotation, lesson, since: start, showingSession: !grouped, into: &line)
            line.appendRaw(prepared.bytes)
            FrameText.writeStep(lesson, into: &line)
        } else {
            FrameText.write(frame, decoded, annotation, lesson, since: start, showingSession: !grouped, into: &line)
        }
        let inferred = lesson?.inferred ?? []
        let explanation = explain ? lesson?.step.explanation : nil
        guard grouped, let session = annotation.session else {
            for step in inferred { emit(Self.inferredLine(step, palette)) }
            line.withBytes { put($0) }
            if let explanation { emit(Self.explanationLine(explanation, palette)) }
            return
        }
        // A frame's lines go into its session's block in one dictionary access (each access hashes the key); a
        // session's first frame starts the block with the session's header.
        let held = Self.modify(&blocks[session, default: SessionBlock()]) { block in
            if block.lineCount == 0 {
                writeSessionHeader(session, decoded, annotation, lesson)
                sessionLine.withBytes { _ = block.add(line: $0) }
            }
            for step in inferred { block.add(line: Self.inferredLine(step, palette)) }
            line.withBytes { _ = block.add(line: $0) }
            if let explanation { block.add(line: Self.explanationLine(explanation, palette)) }
            return block.lineCount
        }
        // A long session prints in parts, never splitting a frame's lines.
        if held >= Self.maxBufferedLines, let block = blocks.removeValue(forKey: session) {
            emit(block)
            emit(palette.paint("   (session \(session) continues below)", "2"))
        }
    }

    private static func modify<Value, Result>(_ value: inout Value, _ body: (inout Value) -> Result) -> Result {
        body(&value)
    }

    /// A step the lessons inferred before this frame (no packet of its own).
    private static func inferredLine(_ step: Step, _ palette: Palette) -> String {
        palette.paint("      ·            " + LessonText.line(step) + "  (no packet)", "2")
    }

    /// The step's explanation under its frame (`--explain`).
    private static func explanationLine(_ explanation: String, _ palette: Palette) -> String {
        palette.paint("                  " + TerminalText.escape(explanation), "2")
    }

    /// A session's header, into `sessionLine`: an empty line, then "── Session 3: TCP 10.42.0.109:30791 →
    /// 10.42.0.1:80 (lesson: client, the board is the client) ──" in bold.
    private func writeSessionHeader(_ session: Int, _ decoded: DecodedFrame, _ annotation: FrameAnnotation,
                                    _ lesson: FrameLesson?) {
        sessionLine.reset()
        sessionLine.append("\n")
        sessionLine.painted("1") { title in
            title.append("── Session ")
            title.append(session)
            title.append(": ")
            switch annotation.proto {
            case .tcp?: title.append("TCP")
            case .udp?: title.append("UDP")
            case nil: break
            }
            title.append(" ")
            FrameText.appendEndpoints(decoded, to: &title)
            if let step = lesson?.step, step.role != .network || step.id == .dnsLookup {
                title.append(" (lesson: ")
                title.append(text: step.role.rawValue)
                if step.boardKnown, roleIsBoard(step) {
                    title.append(", the board is the ")
                    title.append(text: step.role.rawValue)
                }
                title.append(")")
            }
            title.append(" ──")
        }
    }

    private func roleIsBoard(_ step: Step) -> Bool { step.role == .client || step.role == .server }

    private func sessionEnded(_ summary: SessionSummary, _ lesson: SessionLesson?) {
        guard format == .text else { return }
        writeEnded(summary, lesson)
    }

    private func writeEnded(_ summary: SessionSummary, _ lesson: SessionLesson?) {
        var block = grouped ? (blocks.removeValue(forKey: summary.id) ?? SessionBlock()) : SessionBlock()
        // "   session 3: SF (normal open and close), 12 frames in 0.145 s", dimmed.
        sessionLine.reset()
        sessionLine.painted("2") { close in
            close.append("   session ")
            close.append(summary.id)
            close.append(": ")
            close.append(text: summary.state.rawValue)
            close.append(" (")
            close.append(text: SessionReport.stateMeaning(summary.state))
            close.append("), ")
            close.append(summary.frameCount)
            close.append(" frames in ")
            close.append(format3: summary.duration)
            close.append(" s")
        }
        sessionLine.withBytes { _ = block.add(line: $0) }
        for finding in lesson?.findings ?? [] {
            for text in LessonText.lines(finding) { block.add(line: palette.paint("   " + text, "33")) }
        }
        emit(block)
    }
}

/// The environment without Foundation.
enum ProcessInfoLite {
    static var environment: [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }
}

/// The board line of text output, as the lessons knew the board when the first frame was analysed.
struct BoardLine: Sendable {
    var board: BoardIdentity?
}
