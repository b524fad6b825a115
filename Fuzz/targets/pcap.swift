// Target (f): a whole pcap or pcapng file through the full pipeline, as the CLI runs it: the capture reader
// (from a file, as `read FILE` opens it), decode, sessions, lessons (board detection, steps, findings, the
// ladder of the first TCP session), per-frame JSON and text (`read`), session JSON and text (`sessions`),
// the ladder as text and SVG (`ladder`), and the byte-by-byte explanation (`explain`) of the first frames.
//
// Input: the file. Properties besides "no trap": every JSON line is valid; frames stay within the reader's
// record cap; the reader ends (a hostile length field cannot make it loop).
import Capture
import Lessons
import Render
import Sessions
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// One scratch file per fuzzing process (in shared memory, so no disk I/O).
let scratchPath: String = {
    let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    return "\(directory)/socketscope-fuzz-pcap-\(getpid())"
}()

func writeScratch(_ data: UnsafePointer<UInt8>, _ size: Int) -> Bool {
    let fd = open(scratchPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var written = 0
    while written < size {
        let n = write(fd, data + written, size - written)
        if n <= 0 { return false }
        written += n
    }
    return true
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard writeScratch(data, size) else { fuzzFailure("cannot write \(scratchPath)") }
    var options = SessionOptions()
    options.maxFlows = 64  // small caps so eviction paths run too
    options.maxReassemblyBytesPerFlow = 1 << 14
    let tracker = SessionTracker(options: options)
    let lessons = LessonTracker(options: LessonOptions(ladder: .firstTCP))
    var json = JSONWriter()
    tracker.onSessionEnd = { session in
        let lesson = lessons.sessionEnded(session)
        json.reset()
        SessionReport.writeJSON(session, into: &json) { json in LessonText.writeSessionLesson(lesson, into: &json) }
        requireValidJSON(json.bytes, "sessions --format json line")
        _ = SessionReport.text(session, palette: Palette(enabled: true))
        for finding in lesson.findings { _ = LessonText.lines(finding) }
    }
    var frameJSON = JSONWriter()
    var explained = 0
    do {
        let reader = try CaptureFileReader(path: scratchPath)
        var count = 0
        while let frame = try reader.next() {
            count += 1
            if count > 5000 { break }
            if frame.bytes.count > CaptureFileReader.maximumRecordLength {
                fuzzFailure("frame of \(frame.bytes.count) bytes")
            }
            let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
            let annotation = tracker.process(decoded, bytes: frame.bytes, number: frame.number,
                                             timeNanoseconds: frame.timeNanoseconds, originalLength: frame.originalLength)
            let lesson = lessons.process(decoded, annotation: annotation, number: frame.number,
                                         timeNanoseconds: frame.timeNanoseconds, bytes: frame.bytes)
            frameJSON.reset()
            FrameJSON.writeFrame(frame, decoded, annotation, into: &frameJSON)
            LessonText.writeFrameLesson(lesson, into: &frameJSON)
            frameJSON.endObject()
            requireValidJSON(frameJSON.bytes, "read --format json line")
            _ = TerminalText.escape(FrameSummary.endpoints(decoded))
            _ = FrameSummary.protocolName(decoded, annotation)
            _ = TerminalText.escape(FrameSummary.info(decoded, annotation, frameNumber: frame.number, bytes: frame.bytes))
            _ = LessonText.line(lesson.step)
            if explained < 4 {
                explained += 1
                var recorded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType, recordFields: true)
                ExplainContext.addSessionMeanings(to: &recorded.fields, annotation)
                _ = ExplainRenderer.text(frame: recorded, bytes: frame.bytes, frameNumber: frame.number,
                                         originalLength: frame.originalLength, color: false)
                let text = ExplainRenderer.json(frame: recorded, bytes: frame.bytes, frameNumber: frame.number,
                                                originalLength: frame.originalLength)
                requireValidJSON(Array(text.utf8), "explain --format json")
            }
        }
        for warning in reader.warnings { _ = warning.description }
    } catch {
        _ = error.description
    }
    _ = tracker.finish()
    let findings = lessons.finish()
    json.reset()
    json.beginObject()
    json.key("board")
    LessonText.writeBoard(lessons.board, into: &json)
    json.key("diagnosis")
    LessonText.writeFindings(findings, into: &json)
    json.endObject()
    requireValidJSON(json.bytes, "board and findings JSON")
    _ = LessonText.boardLine(lessons.board)
    if let ladder = lessons.ladder {
        let text = LadderRenderer.text(ladder)
        for line in text.split(separator: "\n") where line.unicodeScalars.count > LadderRenderer.textWidth {
            fuzzFailure("ladder line of \(line.unicodeScalars.count) columns: \(line)")
        }
        _ = LadderRenderer.svg(ladder)
    }
    return 0
}
