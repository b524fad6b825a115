import Capture
import Sessions
import Wire

/// Decode, then session tracking: the one place every command turns a captured frame into what it means.
final class FrameAnalyzer {
    let tracker: SessionTracker

    init(options: SessionOptions = SessionOptions()) {
        tracker = SessionTracker(options: options)
    }

    /// Decodes `frame` on the fast path and follows its session.
    func analyze(_ frame: Frame) -> (decoded: DecodedFrame, annotation: FrameAnnotation) {
        let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
        let annotation = tracker.process(decoded, bytes: frame.bytes, number: frame.number,
                                         timeNanoseconds: frame.timeNanoseconds, originalLength: frame.originalLength)
        return (decoded, annotation)
    }
}
