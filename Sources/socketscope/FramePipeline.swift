import Capture
import Render
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The one output path of `read` and `live`: decode each frame, then print it as text or JSON.
final class FramePipeline {
    private let options: FrameOutputOptions
    private let sink: OutputSink
    private var json = JSONWriter()
    private var firstTime: Int64?

    init(options: FrameOutputOptions, sink: OutputSink) {
        self.options = options
        self.sink = sink
    }

    func process(_ frame: Frame) {
        let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
        switch options.format {
        case .json: writeJSON(frame, decoded)
        case .text: writeText(frame, decoded)
        }
    }

    func finish() {
        sink.flush()
    }

    private func writeJSON(_ frame: Frame, _ decoded: DecodedFrame) {
        json.reset()
        json.beginObject()
        json.field("frame", frame.number)
        json.key("time"); json.raw(TimeFormat.epoch(frame.seconds, frame.nanoseconds))
        json.field("length", frame.originalLength)
        json.field("caplen", frame.capturedLength)
        json.field("linktype", frame.linkType)
        if let index = frame.interfaceIndex { json.field("interface", index) }
        json.endObject()
        sink.write(bytes: json.bytes)
        sink.endLine()
    }

    private func writeText(_ frame: Frame, _ decoded: DecodedFrame) {
        let start = firstTime ?? frame.timeNanoseconds
        firstTime = start
        var line = String(frame.number)
        line += " " + TimeFormat.relative(frame.timeNanoseconds &- start)
        line += " " + String(frame.capturedLength)
        if frame.originalLength != frame.capturedLength { line += "/" + String(frame.originalLength) }
        line += " bytes " + LinkTypeName.name(frame.linkType)
        sink.write(line)
        sink.endLine()
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
