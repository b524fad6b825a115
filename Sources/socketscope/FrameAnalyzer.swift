import Capture
import Lessons
import Sessions
import Wire

/// One frame after decoding and the session layer: as decoded, as the session layer saw it (a fragment that
/// completed a datagram stands for the whole datagram), and what the session layer said about it.
///
/// Filled on a worker; afterwards only the merger touches it, which renumbers the annotation in place to give it
/// its final session numbers. Never used by two threads at once, so its one mutable property is not checked at run
/// time.
final class TrackedFrame: @unchecked Sendable {
    let decoded: DecodedFrame
    /// How the session layer saw an IPv4 fragment, in a box of its own: inline, the rare second decoded frame
    /// made every analysed frame a third larger, each allocated on one core, read on another and freed.
    private let fragment: Fragment?
    /// The session layer's annotation: the worker's provisional session numbers until the merger renumbers them.
    @exclusivity(unchecked) var annotation: FrameAnnotation

    private final class Fragment: Sendable {
        let reassembled: DecodedFrame?
        let datagram: [UInt8]?

        init(reassembled: DecodedFrame?, datagram: [UInt8]?) {
            self.reassembled = reassembled
            self.datagram = datagram
        }
    }

    init(decoded: DecodedFrame, reassembled: DecodedFrame?, datagram: [UInt8]?, annotation: FrameAnnotation) {
        self.decoded = decoded
        fragment = reassembled == nil && datagram == nil ? nil : Fragment(reassembled: reassembled, datagram: datagram)
        self.annotation = annotation
    }

    /// How the session layer saw the frame, when that differs from `decoded` (IPv4 fragments).
    var reassembled: DecodedFrame? { fragment?.reassembled }
    /// The completed datagram's bytes, when a fragment completed one.
    var datagram: [UInt8]? { fragment?.datagram }

    func seenBytes(of frame: Frame) -> [UInt8] { fragment?.datagram ?? frame.bytes }
}

/// What the commands need of an analysis, whether it runs on one thread (`FrameAnalyzer`) or on workers split by
/// flow (`FlowPartitionedAnalyzer`).
protocol SessionAnalysis: AnyObject {
    var lessons: LessonTracker? { get }
    /// Called once per ended session, with what the lessons layer says about it.
    var onSessionEnd: ((SessionSummary, SessionLesson?) -> Void)? { get set }
    /// Reads the files through the analysis (frames are only followed, not handed out); problems go to stderr
    /// after `report`.
    func follow(files: [String], report: () -> Void) throws
    /// Ends every live session, then returns the capture-wide findings.
    func finish() -> [Finding]
    /// What the limits cost, in one line for stderr (nil when nothing was dropped).
    var limitsReport: String? { get }
}

/// Decode, session tracking, then lessons: the one place every command turns a captured frame into what it
/// means. Commands that need only sessions (follow) leave lessons out.
final class FrameAnalyzer: SessionAnalysis {
    let tracker: SessionTracker
    let lessons: LessonTracker?
    /// Called once per ended session, with what the lessons layer says about it.
    var onSessionEnd: ((SessionSummary, SessionLesson?) -> Void)?
    /// The capturing machine's own MAC addresses (live capture): a bad or zero checksum on a frame it sent is
    /// checksum offload, not corruption.
    var localMACs: Set<MACAddress> = []
    /// Fragmented IPv4 datagrams are put back together before the session layer sees them.
    private(set) var reassembler = IPv4Reassembler()

    /// `flowShare`: the analyzer sees only some flows, and its lessons only theirs (`LessonTracker.isFlowShare`).
    init(options: SessionOptions = SessionOptions(), lessons lessonOptions: LessonOptions? = nil,
         detector: BoardDetector? = nil, flowShare: Bool = false) {
        tracker = SessionTracker(options: options)
        lessons = lessonOptions.map { LessonTracker(options: $0, detector: detector, flowShare: flowShare) }
        tracker.onSessionEnd = { [unowned self] summary in
            let lesson = self.lessons?.sessionEnded(summary)
            self.onSessionEnd?(summary, lesson)
        }
    }

    /// Decodes `frame` on the fast path (unless `decoded` already holds that), follows its session and gives it
    /// its tutorial step.
    @inline(__always)
    func analyze(_ frame: Frame, decoded alreadyDecoded: DecodedFrame? = nil)
        -> (decoded: DecodedFrame, annotation: FrameAnnotation, lesson: FrameLesson?) {
        withAnalysis(frame, decoded: alreadyDecoded) { ($0, $1, $2) }
    }

    /// `analyze`, with the decoded frame, its annotation and its lesson lent to `body` rather than returned: a
    /// frame is a few hundred bytes, and each tuple it went through was a copy.
    @inline(__always)
    func withAnalysis<R>(_ frame: Frame, decoded alreadyDecoded: DecodedFrame? = nil,
                         _ body: (DecodedFrame, FrameAnnotation, FrameLesson?) -> R) -> R {
        withSeenAnalysis(frame, decoded: alreadyDecoded) { decoded, _, _, annotation, lesson in
            body(decoded, annotation, lesson)
        }
    }

    /// `withAnalysis`, also lending the frame as the session layer and the lessons saw it and the bytes they read:
    /// for an IPv4 fragment, the datagram it completed (or the fragment without its transport layers); otherwise
    /// the decoded frame and the captured bytes again.
    @inline(__always)
    func withSeenAnalysis<R>(_ frame: Frame, decoded alreadyDecoded: DecodedFrame?,
                             _ body: (DecodedFrame, DecodedFrame, [UInt8], FrameAnnotation, FrameLesson?) -> R) -> R {
        if let alreadyDecoded { return withSeenAnalysis(frame, decodedAs: alreadyDecoded, body) }
        return withSeenAnalysis(frame, decodedAs: FrameDecoder.decode(frame.bytes, linkType: frame.linkType,
                                                                      localMACs: localMACs), body)
    }

    /// `withSeenAnalysis` of a batch's frame, with the decoding the reader made to route it if it made one (see
    /// `track(_:routedIn:at:)`).
    @inline(__always)
    func withSeenAnalysis<R>(_ frame: Frame, routedIn batch: PartitionBatch, at position: Int,
                             _ body: (DecodedFrame, DecodedFrame, [UInt8], FrameAnnotation, FrameLesson?) -> R) -> R {
        if batch.hasDecodings, let decoded = batch.decoded(at: position) {
            return withSeenAnalysis(frame, decodedAs: decoded, body)
        }
        return withSeenAnalysis(frame, decodedAs: FrameDecoder.decode(frame.bytes, linkType: frame.linkType,
                                                                      localMACs: localMACs), body)
    }

    @inline(__always)
    private func withSeenAnalysis<R>(_ frame: Frame, decodedAs decoded: DecodedFrame,
                                     _ body: (DecodedFrame, DecodedFrame, [UInt8], FrameAnnotation, FrameLesson?) -> R)
        -> R {
        guard !decoded.isFragment else {
            // A fragment: the session layer and the lessons see the datagram it completes, if any.
            let (decoded, seen, seenBytes, annotation) = follow(frame, decoded: decoded)
            // Each branch passes the frame it has: `seen ?? decoded` would copy the struct, a retain per layer.
            if let seen {
                let bytes = seenBytes ?? frame.bytes
                let lesson = lessons?.process(seen, annotation: annotation, number: frame.number,
                                              timeNanoseconds: frame.timeNanoseconds, bytes: bytes)
                return body(decoded, seen, bytes, annotation, lesson)
            }
            let lesson = lessons?.process(decoded, annotation: annotation, number: frame.number,
                                          timeNanoseconds: frame.timeNanoseconds, bytes: frame.bytes)
            return body(decoded, decoded, frame.bytes, annotation, lesson)
        }
        var annotation = FrameAnnotation()
        tracker.process(decoded, bytes: frame.bytes, number: frame.number, timeNanoseconds: frame.timeNanoseconds,
                        originalLength: frame.originalLength, into: &annotation)
        let lesson = lessons?.process(decoded, annotation: annotation, number: frame.number,
                                      timeNanoseconds: frame.timeNanoseconds, bytes: frame.bytes)
        return body(decoded, decoded, frame.bytes, annotation, lesson)
    }

    /// Decoding and the session layer, without the lessons (a flow-partitioned worker's share of `analyze`).
    func track(_ frame: Frame) -> TrackedFrame {
        track(frame, decodedAs: FrameDecoder.decode(frame.bytes, linkType: frame.linkType, localMACs: localMACs))
    }

    /// `track` of a batch's frame, with the decoding the reader made to route it if it made one. Looked up only
    /// in a batch that has such decodings: an optional decoded frame passed along, even an absent one, was copied
    /// twice per frame.
    func track(_ frame: Frame, routedIn batch: PartitionBatch, at position: Int) -> TrackedFrame {
        if batch.hasDecodings, let decoded = batch.decoded(at: position) { return track(frame, decodedAs: decoded) }
        return track(frame)
    }

    /// `track` of a decoded frame, built straight into the `TrackedFrame` (a tuple on the way was a copy).
    @inline(__always)
    private func track(_ frame: Frame, decodedAs decoded: DecodedFrame) -> TrackedFrame {
        guard !decoded.isFragment else {
            let (decoded, seen, datagram, annotation) = follow(frame, decoded: decoded)
            return TrackedFrame(decoded: decoded, reassembled: seen, datagram: datagram, annotation: annotation)
        }
        var annotation = FrameAnnotation()
        tracker.process(decoded, bytes: frame.bytes, number: frame.number, timeNanoseconds: frame.timeNanoseconds,
                        originalLength: frame.originalLength, into: &annotation)
        return TrackedFrame(decoded: decoded, reassembled: nil, datagram: nil, annotation: annotation)
    }

    /// Decodes and follows the frame: as decoded, as the session layer saw it and the datagram it completed (both
    /// only for IPv4 fragments), and the session layer's annotation.
    private func follow(_ frame: Frame, decoded alreadyDecoded: DecodedFrame?)
        -> (DecodedFrame, DecodedFrame?, [UInt8]?, FrameAnnotation) {
        let decoded = alreadyDecoded ?? FrameDecoder.decode(frame.bytes, linkType: frame.linkType, localMACs: localMACs)
        // The session layer and the lessons see whole datagrams: a fragment that completes one stands for it.
        guard decoded.isFragment, let start = decoded.networkOffset, start >= 0, start <= frame.bytes.count else {
            let annotation = tracker.process(decoded, bytes: frame.bytes, number: frame.number,
                                             timeNanoseconds: frame.timeNanoseconds,
                                             originalLength: frame.originalLength)
            return (decoded, nil, nil, annotation)
        }
        var (seen, seenBytes) = (decoded, frame.bytes)
        var completed: [UInt8]?
        switch reassembler.add(Array(frame.bytes[start...]), time: frame.time) {
        case .complete(let datagram):
            seen = FrameDecoder.decode(datagram, linkType: FrameDecoder.LinkType.ipv4, localMACs: localMACs)
            seenBytes = datagram
            completed = datagram
        case .needMore, .dropped:
            // Only the whole datagram counts as a datagram; a piece of one is not a segment of its own.
            seen.tcp = nil
            seen.udp = nil
            seen.dns = nil
            seen.dhcp = nil
            seen.http = nil
        case .notFragment:
            break
        }
        let annotation = tracker.process(seen, bytes: seenBytes, number: frame.number,
                                         timeNanoseconds: frame.timeNanoseconds,
                                         originalLength: seenBytes.count + frame.originalLength - frame.capturedLength)
        return (decoded, seen, completed, annotation)
    }

    func follow(files: [String], report: () -> Void) throws {
        try CaptureInput.forEachFrame(in: files, before: report) { frame in
            withAnalysis(frame) { _, _, _ in }
            return true
        }
    }

    /// What the limits cost, in one line for stderr (nil when nothing was dropped): sessions ended early for
    /// --max-flows, holes declared because a reassembly cap was reached, fragmented datagrams given up on.
    var limitsReport: String? {
        Self.limitsReport(evicted: tracker.evictedCount, capHits: tracker.reassemblyCapHits,
                          droppedDatagrams: reassembler.dropped)
    }

    static func limitsReport(evicted: Int, capHits: Int, droppedDatagrams: Int) -> String? {
        var parts: [String] = []
        if evicted > 0 {
            parts.append("\(evicted) sessions were ended early to stay within --max-flows")
        }
        if capHits > 0 {
            parts.append("\(capHits) times a reassembly limit forced bytes to be skipped as missing "
                + "(--max-reassembly-per-flow, --max-reassembly-total, --max-out-of-order)")
        }
        if droppedDatagrams > 0 {
            parts.append("\(droppedDatagrams) fragmented IPv4 datagrams were given up (incomplete, or over a reassembly cap)")
        }
        return parts.isEmpty ? nil : "socketscope: " + parts.joined(separator: "; ")
    }

    /// Ends every live session (reported through `onSessionEnd`), then returns the capture-wide findings.
    func finish() -> [Finding] {
        _ = tracker.finish()
        return lessons?.finish() ?? []
    }

    /// Finds the board before the real pass: reads the files' first frames until the board and both its addresses
    /// are known (at most `limit` frames), so every step is labelled from frame 1, the board's IP address is named
    /// from the start even when its MAC found it (DHCP), and `sessions` can run the lessons on its workers. Standard
    /// input cannot be read twice: there the board is found on the fly.
    static func detectBoard(in files: [String], override: BoardOverride?, limit: Int = 20_000) -> BoardDetector {
        var detector = BoardDetector(override: override)
        guard override == nil, !files.contains("-") else { return detector }
        var seen = 0
        for path in files {
            guard let reader = try? CaptureFileReader(path: path, firstFrameNumber: seen + 1) else { continue }
            while seen < limit, let frame = try? reader.next() {
                seen += 1
                let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
                _ = detector.feed(decoded, number: frame.number, bytes: frame.bytes)
                if detector.knowsBoardAddresses { return detector }
            }
        }
        return detector
    }
}
