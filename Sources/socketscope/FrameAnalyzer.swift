import Capture
import Lessons
import Sessions
import Wire

/// How the session layer saw an IPv4 fragment, when that differs from the frame as decoded: the datagram the
/// fragment completed (decoded, and its bytes), or the fragment without its transport layers. Rare, so boxed: the
/// analysed frames that carry this beside the decoded frame and its annotation stay small.
final class SeenFragment: Sendable {
    let reassembled: DecodedFrame
    let datagram: [UInt8]?

    init(reassembled: DecodedFrame, datagram: [UInt8]?) {
        self.reassembled = reassembled
        self.datagram = datagram
    }
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
    /// `withTracked(_:routedIn:at:_:)`).
    @inline(__always)
    func withSeenAnalysis<R>(_ frame: Frame, routedIn batch: PartitionBatch, at position: Int,
                             _ body: (DecodedFrame, DecodedFrame, [UInt8], FrameAnnotation, FrameLesson?) -> R) -> R {
        if batch.hasDecodings, let decoded = batch.decoded(at: position) {
            return withSeenAnalysis(frame, decodedAs: decoded, body)
        }
        return withSeenAnalysis(frame, decodedAs: FrameDecoder.decode(frame.bytes, linkType: frame.linkType,
                                                                      localMACs: localMACs), body)
    }

    /// Decodes `frame` into memory on the stack and lends the decoding to `body`: returned, a decoded frame was
    /// copied out of the decoder, and again into wherever the caller kept it. (The one-thread path, which lends
    /// the decoding on as a plain argument, ran more instructions this way: it keeps the returned value.)
    @inline(__always)
    private func withDecoding<R>(_ frame: Frame, _ body: (inout DecodedFrame) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: DecodedFrame.self, capacity: 1) { memory in
            guard let slot = memory.baseAddress else {
                var decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType, localMACs: localMACs)
                return try body(&decoded)
            }
            FrameDecoder.decode(frame.bytes, linkType: frame.linkType, localMACs: localMACs, initializing: slot)
            defer { slot.deinitialize(count: 1) }
            return try body(&slot.pointee)
        }
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

    /// Decoding and the session layer, without the lessons (a flow-partitioned worker's share of `analyze`), of a
    /// batch's frame, with the decoding the reader made to route it if it made one: the decoded frame, how the
    /// session layer saw it when that differs (a fragment) and the annotation are lent to `body`, `inout` so that
    /// callees that only read them get them without a copy.
    @inline(__always)
    func withTracked<R>(_ frame: Frame, routedIn batch: PartitionBatch, at position: Int,
                        _ body: (inout DecodedFrame, SeenFragment?, inout FrameAnnotation) throws -> R) rethrows -> R {
        // The reader's decoding is looked up only in a batch that has such decodings: an optional decoded frame
        // passed along, even an absent one, was copied twice per frame.
        if batch.hasDecodings, var decoded = batch.decoded(at: position) {
            return try withTracked(frame, &decoded, body)
        }
        return try withDecoding(frame) { decoded in try withTracked(frame, &decoded, body) }
    }

    @inline(__always)
    private func withTracked<R>(_ frame: Frame, _ decoded: inout DecodedFrame,
                                _ body: (inout DecodedFrame, SeenFragment?, inout FrameAnnotation) throws -> R) rethrows
        -> R {
        var fragment: SeenFragment?
        var annotation = FrameAnnotation()
        track(frame, &decoded, &fragment, &annotation)
        return try body(&decoded, fragment, &annotation)
    }

    /// `withTracked`, into memory a flow-partitioned worker keeps for the merger (`TrackedSlab`), initialised here.
    @inline(__always)
    func track(_ frame: Frame, routedIn batch: PartitionBatch, at position: Int,
               decoded: UnsafeMutablePointer<DecodedFrame>, fragment: UnsafeMutablePointer<SeenFragment?>,
               annotation: UnsafeMutablePointer<FrameAnnotation>) {
        if batch.hasDecodings, let routed = batch.decoded(at: position) {
            decoded.initialize(to: routed)
        } else {
            FrameDecoder.decode(frame.bytes, linkType: frame.linkType, localMACs: localMACs, initializing: decoded)
        }
        fragment.initialize(to: nil)
        annotation.initialize(to: FrameAnnotation())
        track(frame, &decoded.pointee, &fragment.pointee, &annotation.pointee)
    }

    /// Follows a decoded frame (`fragment` nil and `annotation` empty on entry), everything where the caller keeps
    /// it: `inout`, the decoded frame reaches the session layer without a copy.
    @inline(__always)
    private func track(_ frame: Frame, _ decoded: inout DecodedFrame, _ fragment: inout SeenFragment?,
                       _ annotation: inout FrameAnnotation) {
        guard !decoded.isFragment else {
            let (_, seen, datagram, notes) = follow(frame, decoded: decoded)
            annotation = notes
            fragment = seen.map { SeenFragment(reassembled: $0, datagram: datagram) }
            return
        }
        tracker.process(decoded, bytes: frame.bytes, number: frame.number, timeNanoseconds: frame.timeNanoseconds,
                        originalLength: frame.originalLength, into: &annotation)
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
