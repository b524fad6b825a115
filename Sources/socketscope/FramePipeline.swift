import Capture
import Render
import Sessions
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The one output path of `read` and `live`: decode each frame, follow its session, then print it as text or
/// JSON. Memory depends on the live sessions, never on how many frames went by.
final class FramePipeline {
    private let options: FrameOutputOptions
    private let sink: OutputSink
    private let analyzer: FrameAnalyzer
    private let palette: Palette
    private var json = JSONWriter()
    private var firstTime: Int64?

    init(options: FrameOutputOptions, sink: OutputSink) {
        self.options = options
        self.sink = sink
        analyzer = FrameAnalyzer(options: options.sessionOptions)
        palette = Palette.forOutput(isTerminal: sink.isTerminal, environment: ProcessInfoLite.environment)
    }

    func process(_ frame: Frame) {
        let (decoded, annotation) = analyzer.analyze(frame)
        switch options.format {
        case .json: writeJSON(frame, decoded, annotation)
        case .text: writeText(frame, decoded, annotation)
        }
    }

    func finish() {
        _ = analyzer.tracker.finish()
        sink.flush()
    }

    private func writeJSON(_ frame: Frame, _ decoded: DecodedFrame, _ annotation: FrameAnnotation) {
        json.reset()
        json.beginObject()
        json.field("frame", frame.number)
        json.key("time"); json.raw(TimeFormat.epoch(frame.seconds, frame.nanoseconds))
        json.field("length", frame.originalLength)
        json.field("caplen", frame.capturedLength)
        json.field("linktype", frame.linkType)
        if let index = frame.interfaceIndex { json.field("interface", index) }
        FrameJSON.writeLayers(decoded, annotation, frameNumber: frame.number, into: &json)
        json.endObject()
        sink.write(bytes: json.bytes)
        sink.endLine()
    }

    private func writeText(_ frame: Frame, _ decoded: DecodedFrame, _ annotation: FrameAnnotation) {
        let start = firstTime ?? frame.timeNanoseconds
        firstTime = start
        var line = String(frame.number)
        line += " " + TimeFormat.relative(frame.timeNanoseconds &- start)
        if let session = annotation.session { line += " #" + String(session) }
        line += " " + TerminalText.escape(FrameSummary.endpoints(decoded))
        line += " " + palette.paint(FrameSummary.protocolName(decoded, annotation), "1")
        line += " " + TerminalText.escape(FrameSummary.info(decoded, annotation, frameNumber: frame.number))
        line += " (" + String(frame.capturedLength)
        if frame.originalLength != frame.capturedLength { line += " of " + String(frame.originalLength) }
        line += " bytes)"
        sink.write(line)
        sink.endLine()
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

/// Timestamp text.
enum TimeFormat {
    /// Epoch seconds with nine decimals, e.g. 1764189601.123456789 (a JSON number).
    static func epoch(_ seconds: Int64, _ nanoseconds: UInt32) -> String {
        let fraction = String(nanoseconds)
        return String(seconds) + "." + String(repeating: "0", count: max(0, 9 - fraction.count)) + fraction
    }

    /// Seconds since the first frame with six decimals, e.g. 0.001234.
    static func relative(_ nanoseconds: Int64) -> String {
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        let micros = magnitude / 1000
        let fraction = String(micros % 1_000_000)
        return sign + String(micros / 1_000_000) + "." + String(repeating: "0", count: max(0, 6 - fraction.count)) + fraction
    }
}
