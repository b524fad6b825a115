import CPcap  // mallopt
import Capture
import Lessons
import Render
import Sessions
import Wire

/// `FrameAnalyzer`'s work split across cores by flow, with the same results in the same order.
///
/// Worker 1's thread reads the files: it numbers the frames and gives each an owner, the worker chosen by a hash of
/// its IP address pair (both directions, and every fragment of a datagram, go to the same worker). Workers 1… have
/// threads of their own and see every batch of frames: each decodes and follows the sessions of the frames it owns,
/// and for the others only lets its packet-time clock run, so its sessions time out at the same frame as they would
/// in one tracker. Worker 0 is the caller's thread (its `FlowShare` followed there), which zips the workers' results
/// back into capture order, following its own share's frames as it reaches them, and does what needs all flows:
/// session numbers (1, 2, 3… by first frame, renumbered from the workers' first-frame numbers), links from
/// connections to DNS lookups made on other workers' flows, and the lessons (board, tutorial steps, diagnoses) —
/// except in `follow` with the board's addresses known, where each worker runs the lessons of its own flows and the
/// merger only the capture-wide ones. So with two workers there are two threads: worker 1, which also reads (its
/// own frames are made, followed and freed there), and the merger with worker 0's share, whose analysed frames never
/// cross to another thread and back. A worker writes what it can of its frames' lines only while the merger is
/// behind (`LinePreparation`).
///
/// The session limits (`--max-flows`, `--max-reassembly-total`) are divided between the workers, so memory stays
/// within the same bounds; when a limit is reached, which session is ended or cut can differ from one thread.
final class FlowPartitionedAnalyzer: SessionAnalysis {
    let lessons: LessonTracker?
    /// Called once per ended session, in the order one `FrameAnalyzer` would have called it.
    var onSessionEnd: ((SessionSummary, SessionLesson?) -> Void)?
    /// Formats what it can of each frame's output on the frame's worker, in parallel: writes it after what the
    /// writer holds (the batch's earlier lines) and returns where in the writer's text the merger must write the
    /// session's final number (nil: nowhere). The bytes reach `run`'s body with the frame. Set before `run`.
    var prepareOnWorker: LinePreparer?
    /// When the workers use `prepareOnWorker` (see `LinePreparation`). Set before `run`.
    var linePreparation = LinePreparation.balanced
    private let options: SessionOptions
    private let workerCount: Int
    /// Whether the last `follow` ran the lessons on the workers.
    private(set) var lessonsRanOnWorkers = false
    private var totals = WorkerTotals()

    // The merger's state: live sessions' numbers and DNS links, and the DNS answers seen over all flows. Used only
    // on the merging thread, by this class's own methods, one access at a time: not checked at run time.
    @exclusivity(unchecked) private var sessionNumbers: [Int: Int] = [:]
    /// The recently used of `sessionNumbers`, looked up first (every frame of a session needs its number).
    @exclusivity(unchecked) private var recentNumbers = RecentSessions<Int>()
    @exclusivity(unchecked) private var nextSessionNumber = 1
    @exclusivity(unchecked) private var dnsLinks: [Int: DNSLink] = [:]
    @exclusivity(unchecked) private var dnsBook: DNSLinkBook
    /// The frame the capture-wide lessons are shown for a frame handed over as its addresses only (`FrameFacts`):
    /// one, refilled, as it holds nothing else.
    @exclusivity(unchecked) private var addressesOnly = DecodedFrame(linkType: 0)

    init(options: SessionOptions, lessons lessonOptions: LessonOptions?, detector: BoardDetector?, workers: Int) {
        self.options = options
        workerCount = max(2, workers)  // worker 0 on the merger, at least one on a thread of its own
        lessons = lessonOptions.map { LessonTracker(options: $0, detector: detector) }
        dnsBook = DNSLinkBook(options: options)
    }

    /// Reads `files` and hands every frame, analysed, to `body` in capture order (false stops); ended sessions go
    /// to `onSessionEnd` in between, as with `FrameAnalyzer`. The files' problems are printed in order, after
    /// `report` (which flushes the caller's output). The decoded frame and its annotation, with its final session
    /// numbers, are lent `inout` from where they lie only so that they are not copied (a copy of the annotation
    /// alone cost the merger ~400 instructions a frame); `body` reads them.
    func run(files: [String], report: () -> Void, _ body: FrameBody) throws {
        try run(files: files, report: report, workerLessons: nil, body)
    }

    /// `run`; with `workerLessons` (the lessons' options and the board detector to start from), each worker runs
    /// the lessons of its own flows and `body` is never called (see `follow`).
    private func run(files: [String], report: () -> Void,
                     workerLessons: (options: LessonOptions, detector: BoardDetector)?,
                     _ body: FrameBody) throws {
        Self.keepFreedMemory()
        // Worker 0's share of the flows is followed by the merger itself, as it merges (`FlowShare`); workers
        // 1… have threads of their own. `results[i]` below is worker i + 1's.
        let threaded = 1..<workerCount
        let inputs = threaded.dropFirst().map { _ in BatchQueue<PartitionBatch>(capacity: PipelineBatch.queueDepth) }
        let outputs = threaded.map { _ in BatchQueue<PartitionResult>(capacity: PipelineBatch.queueDepth) }
        // Merged batches go back to the threads that allocated them: frames to worker 1 (it reads), results to their
        // worker.
        let spentBatches = ReturnChute<PartitionBatch>()
        let spentResults = threaded.map { _ in ReturnChute<PartitionResult>() }
        let workerCount = self.workerCount
        let workerOptions = options.dividingLimits(by: workerCount)
        let prepare = prepareOnWorker
        let preparation = linePreparation
        let batchWorkers = threaded.map { index in
            BatchWorker(index: index, options: workerOptions, lessons: workerLessons, prepare: prepare,
                        preparation: preparation, spent: spentResults[index - 1])
        }
        // Worker 1 reads the files too; workers 2… take each batch from it.
        let workers = threaded.map { index in
            WorkerThread {
                if index == 1 {
                    Self.readAndWork(files, workers: workerCount, batchWorkers[0], forward: inputs,
                                     output: outputs[0], spent: spentBatches)
                } else {
                    Self.work(batchWorkers[index - 1], input: inputs[index - 2], output: outputs[index - 1])
                }
            }
        }
        let share = FlowShare(options: workerOptions, lessons: workerLessons)  // worker 0's, on this thread
        defer {
            for queue in inputs { queue.cancel() }
            for queue in outputs { queue.cancel() }
            for worker in workers { worker.join() }
        }

        var failures = 0
        merge: while true {
            var results: [PartitionResult] = []
            for queue in outputs {
                guard let result = queue.pop()?.first else { break merge }
                results.append(result)
            }
            // Every worker saw the same input batch: the frames, their owners and the problems are the same in each.
            guard !results.isEmpty else { break merge }
            var batch = results[0].input
            var problem = 0
            var expiredCursors = Array(repeating: 0, count: results.count)
            var endedCursors = Array(repeating: 0, count: results.count)
            var factCursors = Array(repeating: 0, count: results.count)
            var trackedCursors = Array(repeating: 0, count: results.count)
            for position in batch.frames.indices {
                while problem < batch.problems.count, batch.problems[problem].before == position {
                    report()
                    printError(batch.problems[problem].message)
                    problem += 1
                }
                // Every frame moves the clock of the merger's share too; its sessions come first, as worker 0's.
                share.analyzer.tracker.advanceClock(to: batch.times[position], frame: batch.firstNumber + position)
                var expired = share.ended.take()
                for worker in results.indices where expiredCursors[worker] < results[worker].expired.count {
                    let entry = results[worker].expired[expiredCursors[worker]]
                    guard entry.position == position else { continue }
                    expired += entry.summaries
                    expiredCursors[worker] += 1
                }
                // One tracker expires its idle lists in turn (closed, open TCP, UDP), each oldest first.
                if expired.count > 1 { expired.sort { Self.expiryOrder($0.summary) < Self.expiryOrder($1.summary) } }
                for ended in expired { sessionEnded(ended) }
                if batch.owners[position] == 0 {
                    if try !mergeOwnShare(share, batch, position, body) { break merge }
                    continue
                }
                let owner = batch.owners[position] - 1
                guard owner >= 0, owner < results.count else { continue }
                // Taken from the array once: each subscript of it counted a reference on the result.
                let result = results[owner]
                if endedCursors[owner] < result.ended.count {
                    let entry = result.ended[endedCursors[owner]]
                    if entry.position == position {
                        for ended in entry.summaries { sessionEnded(ended) }
                        endedCursors[owner] += 1
                    }
                }
                if result.carriesFacts {
                    // A `sessions` run whose workers run the lessons: only what is capture-wide comes here.
                    if factCursors[owner] < result.facts.count {
                        // Number and time from the batch's own arrays: copying the frame would count a reference
                        // on its bytes, made on the thread that read it.
                        merge(result.facts[factCursors[owner]], number: batch.firstNumber + position,
                              time: batch.times[position])
                        factCursors[owner] += 1
                    }
                    continue
                }
                // The worker's analysed frames are in the order of the frames it owns.
                guard let slot = result.tracked.slot(trackedCursors[owner]) else { continue }
                trackedCursors[owner] += 1
                let frame = batch.frames[position]
                // Read and renumbered where they lie, in the worker's slab: lent, never copied out.
                let fragment = slot.fragment.pointee
                let lesson = merge(frame, &slot.decoded.pointee, fragment, &slot.annotation.pointee)
                let more = try result.withPreparedLine(at: position) { line in
                    try body(frame, &slot.decoded.pointee, &slot.annotation.pointee, lesson, line)
                }
                if !more { break merge }
            }
            for index in problem..<batch.problems.count {
                report()
                printError(batch.problems[index].message)
            }
            if let count = batch.failures {
                failures = count
                _ = share.analyzer.tracker.finish()
                var remaining = share.ended.take()
                totals.add(share.totals)
                for result in results {
                    remaining += result.remaining
                    totals.add(result.totals)
                }
                // One tracker ends what is left in session order; first frames order them the same way.
                for ended in remaining.sorted(by: { $0.summary.id < $1.summary.id }) { sessionEnded(ended) }
            }
            // Hand the batch back for destruction; the results drop their shares of it first.
            for index in results.indices { results[index].input = PartitionBatch() }
            while let result = results.popLast() { spentResults[results.count].send(result) }
            spentBatches.send(batch)
            batch = PartitionBatch()
        }
        if failures > 0 { throw CommandFailure(message: "", code: 2) }
    }

    func follow(files: [String], report: () -> Void) throws {
        // Nothing is printed per frame: when the board's addresses are known before the pass (so which frames are
        // its own cannot change), each worker runs the lessons of its own flows and hands the merger only what is
        // capture-wide (`FrameFacts`) and its ended sessions with their lessons. Handing over an analysed frame per
        // frame was a quarter of the two workers' CPU (OPTIMISATION.md, round 14).
        var workerLessons: (options: LessonOptions, detector: BoardDetector)?
        if prepareOnWorker == nil, let lessons, lessons.detector.knowsBoardAddresses {
            workerLessons = (lessons.options, lessons.detector)
        }
        lessonsRanOnWorkers = workerLessons != nil
        try run(files: files, report: report, workerLessons: workerLessons) { _, _, _, _, _ in true }
    }

    /// Ends the sessions still live: already done by `run` at the end of the input; returns the capture-wide
    /// findings.
    func finish() -> [Finding] { lessons?.finish() ?? [] }

    /// What the limits cost, over all workers (nil when nothing was dropped); as `FrameAnalyzer.limitsReport`.
    var limitsReport: String? {
        FrameAnalyzer.limitsReport(evicted: totals.evicted, capHits: totals.capHits,
                                   droppedDatagrams: totals.droppedDatagrams)
    }

    /// Frames are allocated on the thread that reads and freed on others, so glibc's per-thread heaps see their tops
    /// freed in bursts and give the pages back to the kernel, only to fault fresh zeroed pages in a moment later
    /// (a quarter of the CPU time of `sessions` went to clearing pages). Keeping up to this much freed memory per
    /// heap costs nothing in peak memory, which is what the pipeline is bounded by.
    static let retainedFreeBytes: Int32 = 32 << 20

    private static func keepFreedMemory() {
        _ = mallopt(M_TRIM_THRESHOLD, retainedFreeBytes)
    }

    // MARK: The merger

    /// Gives the frame's annotation its final session numbers and the frame its lesson. `decoded` is only read
    /// (`inout` so that it is lent, not copied: a `DecodedFrame` copy retains every layer it holds).
    private func merge(_ frame: Frame, _ decoded: inout DecodedFrame, _ fragment: SeenFragment?,
                       _ annotation: inout FrameAnnotation) -> FrameLesson? {
        if let fragment { return merge(frame, seen: fragment.reassembled, datagram: fragment.datagram, &annotation) }
        return merge(frame, seen: decoded, datagram: nil, &annotation)
    }

    /// `datagram`: the bytes the session layer read instead of the frame's (a fragment that completed one).
    private func merge(_ frame: Frame, seen: DecodedFrame, datagram: [UInt8]?,
                       _ annotation: inout FrameAnnotation) -> FrameLesson? {
        if let provisional = annotation.session {
            let number: Int
            if let recent = recentNumbers[provisional] {
                number = recent
            } else if let known = sessionNumbers[provisional] {
                number = known
                recentNumbers[provisional] = known
            } else {
                // This frame opened the session: the next number, and the lookup that gave its server's address.
                number = nextSessionNumber
                sessionNumbers[provisional] = number
                recentNumbers[provisional] = number
                nextSessionNumber += 1
                let server = annotation.direction == .serverToClient ? seen.sourceIP : seen.destinationIP
                if let server, let link = dnsBook.lookup(server, at: frame.timeNanoseconds) { dnsLinks[provisional] = link }
            }
            // The frame's own session is looked up once; a DNS answer's session may be another.
            annotation.renumberSessions { $0 == provisional ? number : sessionNumbers[$0] ?? $0 }
        } else if annotation.dns != nil {
            annotation.renumberSessions { sessionNumbers[$0] ?? $0 }
        }
        if let dns = annotation.dns { dnsBook.record(dns, frame: frame.number, time: frame.timeNanoseconds) }
        // The captured bytes are only read for DHCP (a UDP datagram the decoder left undecoded) and an HTTP head
        // (read when asked for): no other frame takes a share of an array made on the thread that read it.
        return lessons?.process(seen, annotation: annotation, number: frame.number,
                                timeNanoseconds: frame.timeNanoseconds,
                                bytes: seen.udp != nil || seen.hasHTTP ? datagram ?? frame.bytes : nil)
    }

    private func sessionEnded(_ ended: EndedSession) {
        var summary = ended.summary
        let provisional = summary.id
        summary.renumberSessions { sessionNumbers[$0] ?? $0 }
        // The merger's link, numbered already (the worker saw only its own flows' lookups).
        summary.dnsLookup = dnsLinks.removeValue(forKey: provisional)
        var lesson: SessionLesson?
        if var workerLesson = ended.lesson {
            // Made by the worker that followed the session: renumbered, and the board's reason as the evidence
            // over all flows stands now (the worker's detector only knew the board's addresses).
            workerLesson.renumberSessions { sessionNumbers[$0] ?? $0 }
            workerLesson.boardReason = lessons?.boardReason()
            lesson = workerLesson
        }
        sessionNumbers.removeValue(forKey: provisional)
        recentNumbers.remove(provisional)
        if lesson == nil { lesson = lessons?.sessionEnded(summary) }
        onSessionEnd?(summary, lesson)
    }

    /// `merge` for a frame whose worker ran its lessons: numbers a session it opened (with the DNS answer that gave
    /// its server's address), notes a DNS answer for the links, and shows the frame to the capture-wide lessons.
    private func merge(_ facts: FrameFacts, number: Int, time: Int64) {
        numberSession(facts.session, server: facts.serverIsSource ? facts.sourceIP : facts.destinationIP,
                      dns: facts.rare?.dns, frame: number, time: time)
        guard let lessons else { return }
        if let rare = facts.rare, let whole = rare.frame {
            lessons.observe(whole, number: number, timeNanoseconds: time, bytes: rare.bytes)
        } else {
            facts.setAddresses(of: &addressesOnly)
            lessons.observe(addressesOnly, number: number, timeNanoseconds: time)
        }
    }

    /// `merge` of a frame's facts for a frame the merger followed itself (its own share, lessons on the workers):
    /// read from the frame as the lessons saw it, with no `FrameFacts` made.
    private func merge(seen: DecodedFrame, bytes: [UInt8], annotation: FrameAnnotation, number: Int, time: Int64) {
        numberSession(annotation.session,
                      server: annotation.direction == .serverToClient ? seen.sourceIP : seen.destinationIP,
                      dns: annotation.dns, frame: number, time: time)
        lessons?.observe(seen, number: number, timeNanoseconds: time, bytes: bytes)
    }

    /// Numbers a session its frame opened, with the DNS answer that gave its server's address, and notes a DNS
    /// answer for the links. A worker numbers each session by the frame that opened it: only that frame's session
    /// is new here.
    private func numberSession(_ provisional: Int?, server: IPAddress?, dns: DNSTransaction?, frame number: Int,
                               time: Int64) {
        if let provisional, provisional == number, sessionNumbers[provisional] == nil {
            sessionNumbers[provisional] = nextSessionNumber
            nextSessionNumber += 1
            if let server, let link = dnsBook.lookup(server, at: time) { dnsLinks[provisional] = link }
        }
        if var dns {
            dns.session = sessionNumbers[dns.session] ?? dns.session
            dnsBook.record(dns, frame: number, time: time)
        }
    }

    /// Follows and merges a frame of the merger's own share (worker 0's flows) at `position`: what a worker and the
    /// merger do for a frame, in one go on this thread, so the frame's analysis is made, read and freed here.
    /// Returns false when `body` stops.
    private func mergeOwnShare(_ share: FlowShare, _ batch: PartitionBatch, _ position: Int,
                               _ body: FrameBody) throws -> Bool {
        let frame = batch.frames[position]
        if share.analyzer.lessons != nil {
            // The lessons run in the share's own tracker, as on a worker (see `follow`); the capture-wide ones
            // see the frame itself.
            share.analyzer.withSeenAnalysis(frame, routedIn: batch, at: position) { _, seen, bytes, notes, _ in
                for ended in share.ended.take() { sessionEnded(ended) }
                merge(seen: seen, bytes: bytes, annotation: notes, number: batch.firstNumber + position,
                      time: batch.times[position])
            }
            return true
        }
        // Made, read and dropped here, in locals: no allocation, no copy.
        return try share.analyzer.withTracked(frame, routedIn: batch, at: position) { decoded, fragment, annotation in
            for ended in share.ended.take() { sessionEnded(ended) }
            let lesson = merge(frame, &decoded, fragment, &annotation)
            // No line prepared: `body` writes the whole line, as for a frame no worker prepared.
            return try body(frame, &decoded, &annotation, lesson, nil)
        }
    }

    /// Where a session ended by the clock stands in one tracker's expiry order: its idle list, then its last frame
    /// (each list is kept in order of last activity).
    private static func expiryOrder(_ summary: SessionSummary) -> (Int, Int) {
        let list = summary.endReason == .closed ? 0 : summary.proto == .tcp ? 1 : 2
        return (list, summary.lastFrame)
    }

    // MARK: A worker

    private static func work(_ worker: BatchWorker, input: BatchQueue<PartitionBatch>,
                             output: BatchQueue<PartitionResult>) {
        defer { output.close() }
        while let batch = input.pop()?.first {
            if !output.push([worker.process(batch, mergerBehind: !output.isEmpty)]) { return }
        }
    }

    /// Worker 1's thread, which also reads: numbers and routes every frame, sends each batch to workers 2…, then
    /// follows its own frames of it before reading the next, so those frames are made, read and freed on one
    /// thread. (A reading thread of its own, handing every batch to every worker, cost 3–6 % more CPU in all with two
    /// workers, and with three threads on two cores 3–14 % more wall time: OPTIMISATION.md, round 16.)
    private static func readAndWork(_ files: [String], workers workerCount: Int, _ worker: BatchWorker,
                                    forward inputs: [BatchQueue<PartitionBatch>], output: BatchQueue<PartitionResult>,
                                    spent spentBatches: ReturnChute<PartitionBatch>) {
        defer {
            output.close()
            for queue in inputs { queue.close() }
        }
        var batch = PartitionBatch()
        var stopped = false
        let drain = FrameDrain()
        // Hands a full batch on and starts an empty one; false once the merger has stopped. Batches the merger is
        // done with are freed here, on the thread that allocated them: their frames one per frame read (`FrameDrain`).
        func hand(_ batch: inout PartitionBatch) -> Bool {
            defer { batch = PartitionBatch() }
            drain.refill(from: spentBatches)
            for queue in inputs where !queue.push([batch]) { stopped = true }
            if !stopped, !output.push([worker.process(batch, mergerBehind: !output.isEmpty)]) { stopped = true }
            return !stopped
        }
        let failures = CaptureInput.readFrames(in: files, problem: { message in
            batch.problems.append((before: batch.frames.count, message: message))
        }) { frame in
            drain.freeOne()
            // Most frames are routed by their peeked addresses; only the rest carry a decoding along (an optional
            // decoded frame made and dropped for every frame cost the reader ~200 instructions a frame).
            if let owner = FlowRouting.peekedWorker(for: frame, of: workerCount) {
                batch.add(frame, owner: owner)
            } else {
                let (owner, decoded) = FlowRouting.decodedWorker(for: frame, of: workerCount)
                batch.add(frame, owner: owner, decoded: decoded)
            }
            return batch.frames.count < PipelineBatch.size || hand(&batch)
        }
        guard !stopped else { return }
        batch.failures = failures
        _ = hand(&batch)
    }
}

/// The frames of batches the merger is done with, freed one for each frame the reader reads instead of all at once.
///
/// Each frame's bytes are an allocation the reader made. Freed a batch (512 frames) at a time, they overflowed
/// glibc's per-thread cache of free chunks (seven per size) into its bins, where the next batch's allocations had to
/// find them again (splitting, coalescing: with the allocations, a tenth of the reading thread's time); freed one
/// before each read, a chunk is there to be taken again by the next allocation of its size. Used by the reading
/// thread only.
private final class FrameDrain {
    @exclusivity(unchecked) private var frames: [Frame] = []

    /// Takes the frames of the batches sent back since the last call (whatever was left of the last ones is freed
    /// now, so no more than about one batch waits here).
    func refill(from spent: ReturnChute<PartitionBatch>) {
        var batches = spent.takeAll()
        frames = []
        // Moved out, not copied: a copy would leave every frame's bytes shared, and freed with the batch anyway.
        if !batches.isEmpty { swap(&frames, &batches[0].frames) }
    }

    /// Frees one frame, if any is waiting.
    @inline(__always)
    func freeOne() {
        if !frames.isEmpty { frames.removeLast() }
    }
}

/// A worker's state and its work on one batch: decodes and follows the frames it owns, lets the others move its
/// clock, and prepares its frames' lines.
final class BatchWorker: @unchecked Sendable {
    private let index: Int
    private let share: FlowShare
    private let prepare: LinePreparer?
    private let preparation: LinePreparation
    private let spent: ReturnChute<PartitionResult>
    // The lines of a batch the merger is done with, kept for the next batch: they grow to some hundred
    // kilobytes, and growing a new writer from empty for every batch copied them over and over. While the
    // merger still holds them all, a new writer starts half again as large as the last batch's lines (not as
    // large as the largest so far: that grows with the length of the capture, in every writer in flight).
    @exclusivity(unchecked) private var spareLines = JSONWriter()
    @exclusivity(unchecked) private var lastLines = 0

    init(index: Int, options: SessionOptions, lessons: (options: LessonOptions, detector: BoardDetector)?,
         prepare: LinePreparer?,
         preparation: LinePreparation, spent: ReturnChute<PartitionResult>) {
        self.index = index
        share = FlowShare(options: options, lessons: lessons)
        self.prepare = prepare
        self.preparation = preparation
        self.spent = spent
    }

    /// `mergerBehind`: whether the merger still has a batch of this worker's waiting (`LinePreparation.balanced`).
    func process(_ batch: PartitionBatch, mergerBehind: Bool) -> PartitionResult {
        let prepare: LinePreparer?
        switch preparation {
        case .balanced: prepare = mergerBehind ? self.prepare : nil
        case .always: prepare = self.prepare
        case .never: prepare = nil
        }
        let analyzer = share.analyzer
        let ended = share.ended
        let index = self.index
        for old in spent.takeAll() where old.lines.byteCapacity > spareLines.byteCapacity { spareLines = old.lines }
        let result = PartitionResult(input: batch)
        spareLines.reset()
        if prepare != nil { spareLines.reserveCapacity(lastLines + lastLines / 2) }
        swap(&result.lines, &spareLines)
        if analyzer.lessons != nil {
            result.carriesFacts = true
            result.facts.reserveCapacity(batch.frames.count)
        } else {
            result.tracked = TrackedSlab(capacity: batch.frames.count)
        }
        if prepare != nil { result.lineRanges.reserveCapacity(batch.frames.count) }
        for position in batch.frames.indices {
            // Every frame moves the clock; only the owner reads the frame itself.
            analyzer.tracker.advanceClock(to: batch.times[position], frame: batch.firstNumber + position)
            if !ended.summaries.isEmpty { result.expired.append((position, ended.take())) }
            guard batch.owners[position] == index else {
                if prepare != nil { result.lineRanges.append(nil) }
                continue
            }
            // One copy of the frame for both uses: on workers 2… each copy counts a reference on bytes worker 1
            // made, a cache line the cores pass back and forth.
            let frame = batch.frames[position]
            if analyzer.lessons != nil {
                // The lessons ran here: the merger gets the frame's facts, not the frame (see `follow`).
                analyzer.withSeenAnalysis(frame, routedIn: batch, at: position) { _, seen, bytes, notes, _ in
                    result.facts.append(FrameFacts(seen, bytes: bytes, annotation: notes))
                }
                if !ended.summaries.isEmpty { result.ended.append((position, ended.take())) }
                continue
            }
            // Decoded and followed into the slab's next slots (a batch's frames are its capacity), lent from there.
            guard let slot = result.tracked.append({ slot in
                analyzer.track(frame, routedIn: batch, at: position, decoded: slot.decoded, fragment: slot.fragment,
                               annotation: slot.annotation)
            }) else { continue }
            if !ended.summaries.isEmpty { result.ended.append((position, ended.take())) }
            if let prepare {
                let start = result.lines.byteCount
                let mark = prepare(frame, &slot.decoded.pointee, &slot.annotation.pointee, &result.lines)
                result.lineRanges.append(PreparedRange(bytes: start..<result.lines.byteCount, mark: mark))
            }
        }
        // A batch left to the merger wrote no lines: the next prepared batch is sized by the last one that did
        // (sized by 0, its writer grew from empty, copying itself over at every doubling).
        if prepare != nil { lastLines = result.lines.byteCount }
        if batch.failures != nil {
            _ = analyzer.tracker.finish()
            result.remaining = ended.take()
            result.totals = share.totals
        }
        return result
    }
}

/// When a worker writes what it can of its frames' lines (`FlowPartitionedAnalyzer.prepareOnWorker`). The output
/// is the same either way: a line no worker prepared, the merger writes whole.
enum LinePreparation: Sendable {
    /// Only while the merger is behind: when it still has a batch of this worker's waiting. Once it has caught up
    /// (it waits for this worker), the worker leaves the next batch's lines to it, so the two cores carry about the
    /// same whichever of the two was the busier (OPTIMISATION.md, round 16).
    case balanced
    /// Every batch (as before round 16; for tests).
    case always
    /// No batch: the merger writes every line (for tests).
    case never
}

/// A batch of frames in capture order, as worker 1 reads it and sends it to the other workers. Kept as parallel
/// arrays so a worker that does not own a frame reads only its time, never touching (and reference-counting) its
/// bytes.
struct PartitionBatch: Sendable {
    var frames: [Frame] = []
    var owners: [Int] = []
    var times: [Int64] = []
    var firstNumber = 0
    /// Frames worker 1 had to decode to route them, by position.
    var decodedByPosition: [Int: DecodedFrame] = [:]
    /// Messages for stderr, each printed before the frame at `before` (or after the last frame).
    var problems: [(before: Int, message: String)] = []
    /// Set on the last batch: how many files could not be read whole.
    var failures: Int?

    init() {
        frames.reserveCapacity(PipelineBatch.size)
        owners.reserveCapacity(PipelineBatch.size)
        times.reserveCapacity(PipelineBatch.size)
    }

    mutating func add(_ frame: consuming Frame, owner: Int) {
        if frames.isEmpty { firstNumber = frame.number }
        owners.append(owner)
        times.append(frame.timeNanoseconds)
        frames.append(frame)
    }

    /// `add` for a frame that had to be decoded to route it: the workers take that decoding.
    mutating func add(_ frame: consuming Frame, owner: Int, decoded: DecodedFrame) {
        decodedByPosition[frames.count] = decoded
        add(frame, owner: owner)
    }

    /// Whether any frame of the batch was decoded to route it (few batches: most frames are routed by peeking).
    /// Callers ask before `decoded(at:)`, which hashes the position.
    var hasDecodings: Bool { !decodedByPosition.isEmpty }

    func decoded(at position: Int) -> DecodedFrame? { decodedByPosition[position] }
}

/// Writes what a worker can of a frame's line (`FlowPartitionedAnalyzer.prepareOnWorker`). The decoded frame and
/// its annotation are lent `inout` from the worker's slab, though only read: passed as plain arguments, values
/// stored in a class or read through a pointer were copied first (every reference in them counted), once per frame.
typealias LinePreparer = @Sendable (Frame, inout DecodedFrame, inout FrameAnnotation, inout JSONWriter) -> Range<Int>?

/// What `FlowPartitionedAnalyzer.run` hands each frame to, in capture order: the frame, its decoding and its
/// annotation with final session numbers (lent `inout` as in `LinePreparer`; only read), its lesson and the line a
/// worker prepared for it (nil: none). Returns false to stop.
typealias FrameBody = (Frame, inout DecodedFrame, inout FrameAnnotation, FrameLesson?, PreparedLine?) throws -> Bool

/// A worker's results for one batch.
///
/// A class: the merger reads one frame's entries at a time, and reaching into an array of structs this size copied
/// (and reference-counted) the whole result per frame. It is filled on its worker, then only read by the merger,
/// then handed back whole: never used by two threads at once, and no access to one of its properties overlaps
/// another (so none is checked at run time).
final class PartitionResult: @unchecked Sendable {
    /// The batch itself (shared storage, not a copy), so the merger reads frames and problems from it.
    @exclusivity(unchecked) var input: PartitionBatch
    /// The frames this worker owns, decoded and followed, in order (the merger counts its way through them).
    @exclusivity(unchecked) var tracked = TrackedSlab(capacity: 0)
    /// Whether the worker ran the lessons, and handed `facts` instead of `tracked`.
    @exclusivity(unchecked) var carriesFacts = false
    /// Instead of `tracked` when the worker runs the lessons: what the merger needs of each frame the worker owns,
    /// in order (only those: the merger counts its way through them).
    @exclusivity(unchecked) var facts: [FrameFacts] = []
    /// Sessions the clock ended before a frame, by position (only positions where some did).
    @exclusivity(unchecked) var expired: [(position: Int, summaries: [EndedSession])] = []
    /// Sessions ended while the owner processed a frame (a reused port pair, `--max-flows`).
    @exclusivity(unchecked) var ended: [(position: Int, summaries: [EndedSession])] = []
    /// At the end of the input: the sessions still live, and what the limits cost.
    @exclusivity(unchecked) var remaining: [EndedSession] = []
    @exclusivity(unchecked) var totals = WorkerTotals()
    /// What `prepareOnWorker` wrote for the frames this worker owns, one after the other (written in place: no
    /// copy per line), and where each is.
    @exclusivity(unchecked) var lines = JSONWriter()
    /// By position, like `tracked` (empty when nothing is prepared).
    @exclusivity(unchecked) var lineRanges: [PreparedRange?] = []

    init(input: PartitionBatch) { self.input = input }

    /// Lends `body` the line prepared for the frame at `position` (nil when none was).
    func withPreparedLine<R>(at position: Int, _ body: (PreparedLine?) throws -> R) rethrows -> R {
        guard position < lineRanges.count, let range = lineRanges[position] else { return try body(nil) }
        return try lines.withBytes { text in
            guard range.bytes.upperBound <= text.count else { return try body(nil) }
            // The stand-in's place within the line, if it lies inside it.
            let mark = range.mark.flatMap { mark -> Range<Int>? in
                guard range.bytes.contains(mark.lowerBound), mark.upperBound <= range.bytes.upperBound else { return nil }
                return (mark.lowerBound - range.bytes.lowerBound)..<(mark.upperBound - range.bytes.lowerBound)
            }
            return try body(PreparedLine(bytes: UnsafeRawBufferPointer(rebasing: text[range.bytes]), mark: mark))
        }
    }
}

/// A worker's analysed frames of one batch, in the order of the frames it owns: the decoded frames, the fragments'
/// datagrams (rare) and the annotations, each kind in one allocation per batch. Made on the worker, read and
/// renumbered in place by the merger (lent `inout`, never copied out), destroyed with its `PartitionResult` back on
/// the worker. An object per frame was an allocation and a free per frame, the free made on the worker after the
/// merger had counted references to the object from the other core (OPTIMISATION.md, round 18).
///
/// Filled by one thread, then used by one thread at a time (the queues hand it over), so its count is not checked
/// at run time.
final class TrackedSlab: @unchecked Sendable {
    /// One analysed frame's places in the slab.
    struct Slot {
        let decoded: UnsafeMutablePointer<DecodedFrame>
        let fragment: UnsafeMutablePointer<SeenFragment?>
        let annotation: UnsafeMutablePointer<FrameAnnotation>
    }

    private let decoded: UnsafeMutablePointer<DecodedFrame>
    private let fragments: UnsafeMutablePointer<SeenFragment?>
    private let annotations: UnsafeMutablePointer<FrameAnnotation>
    private let capacity: Int
    @exclusivity(unchecked) private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        decoded = .allocate(capacity: max(1, capacity))
        fragments = .allocate(capacity: max(1, capacity))
        annotations = .allocate(capacity: max(1, capacity))
    }

    deinit {
        decoded.deinitialize(count: count)
        fragments.deinitialize(count: count)
        annotations.deinitialize(count: count)
        decoded.deallocate()
        fragments.deallocate()
        annotations.deallocate()
    }

    /// Has `initialize` initialise all three places of the next slot, and returns the slot; nil (and nothing
    /// called) when the slab is full.
    func append(_ initialize: (Slot) -> Void) -> Slot? {
        guard count < capacity else { return nil }
        let slot = Slot(decoded: decoded + count, fragment: fragments + count, annotation: annotations + count)
        initialize(slot)
        count += 1
        return slot
    }

    /// The analysed frame at `index` in the slab's order (nil past the end).
    func slot(_ index: Int) -> Slot? {
        guard index >= 0, index < count else { return nil }
        return Slot(decoded: decoded + index, fragment: fragments + index, annotation: annotations + index)
    }
}

/// Where one frame's prepared bytes sit in its worker's buffer.
struct PreparedRange: Sendable {
    var bytes: Range<Int>
    var mark: Range<Int>?
}

/// The bytes a worker prepared for one frame (lent from its batch's lines, valid during the call they are lent
/// to) and where in them the session's final number goes (nil: nowhere).
struct PreparedLine {
    var bytes: UnsafeRawBufferPointer
    var mark: Range<Int>?
}

/// What a worker's limits cost.
struct WorkerTotals: Sendable {
    var evicted = 0
    var capHits = 0
    var droppedDatagrams = 0

    mutating func add(_ other: WorkerTotals) {
        evicted += other.evicted
        capHits += other.capHits
        droppedDatagrams += other.droppedDatagrams
    }
}

/// A session a worker ended, with its lessons when the worker runs them.
struct EndedSession: Sendable {
    var summary: SessionSummary
    var lesson: SessionLesson?
}

/// What the merger needs of a frame in a `sessions` run whose workers run the lessons of their own flows: the
/// frame's session (its number, the DNS answer behind it) and what the capture-wide lessons read — the addresses,
/// or the whole frame when they read more of it. A value, so handing it over counts no references (except for the
/// few frames handed whole).
struct FrameFacts: Sendable {
    var session: Int?
    var serverIsSource: Bool
    var sourceMAC: MACAddress?
    var destinationMAC: MACAddress?
    var sourceIP: IPAddress?
    var destinationIP: IPAddress?
    /// What few frames carry, boxed so that the common frame's facts stay small.
    var rare: RareFrameFacts?

    init(_ seen: DecodedFrame, bytes: [UInt8], annotation: FrameAnnotation) {
        session = annotation.session
        serverIsSource = annotation.direction == .serverToClient
        sourceMAC = seen.sourceMAC
        destinationMAC = seen.destinationMAC
        sourceIP = seen.sourceIP
        destinationIP = seen.destinationIP
        let whole = Self.isReadWhole(seen)
        if whole || annotation.dns != nil {
            rare = RareFrameFacts(dns: annotation.dns, frame: whole ? seen : nil, bytes: whole ? bytes : nil)
        }
    }

    /// Whether `BoardDetector.feed` and `NetworkLesson.observe` read more of the frame than its four addresses.
    static func isReadWhole(_ frame: DecodedFrame) -> Bool {
        if frame.hasARP || frame.hasDNS || frame.isFragment { return true }
        if let udp = frame.udp {  // DHCP, which the detector reads for the board's host name and address
            return isDHCPPort(udp.sourcePort) || isDHCPPort(udp.destinationPort)
        }
        return frame.tcp?.flags.contains(.syn) == true
    }

    private static func isDHCPPort(_ port: UInt16) -> Bool { port == 67 || port == 68 }

    /// Gives a frame that holds nothing else these addresses: all the capture-wide lessons read of an ordinary
    /// frame.
    func setAddresses(of frame: inout DecodedFrame) {
        frame.sourceMAC = sourceMAC
        frame.destinationMAC = destinationMAC
        frame.sourceIP = sourceIP
        frame.destinationIP = destinationIP
    }
}

/// A frame's DNS transaction, and the frame itself as the lessons saw it with the bytes they read when they read
/// more than its addresses (ARP, DHCP, DNS, a TCP SYN for the board's fingerprint, fragments).
final class RareFrameFacts: Sendable {
    let dns: DNSTransaction?
    let frame: DecodedFrame?
    let bytes: [UInt8]?

    init(dns: DNSTransaction?, frame: DecodedFrame?, bytes: [UInt8]?) {
        self.dns = dns
        self.frame = frame
        self.bytes = bytes
    }
}

/// One worker's share of the flows: its analyzer (sessions numbered by first frame, lessons if any over its own
/// flows only) and the sessions its tracker ended, waiting to be handed on. Each worker thread has one; so has the
/// merger for worker 0's share, whose frames are then decoded, followed, merged and printed on one thread, none of
/// them crossing to another core and back (and the merger, which would otherwise wait for the workers, does a
/// worker's part of the work).
private final class FlowShare {
    let analyzer: FrameAnalyzer
    let ended = SummaryCollector()

    init(options: SessionOptions, lessons: (options: LessonOptions, detector: BoardDetector)?) {
        analyzer = FrameAnalyzer(options: options, lessons: lessons?.options, detector: lessons?.detector,
                                 flowShare: true)
        analyzer.tracker.numbersSessionsByFirstFrame = true
        let ended = self.ended
        analyzer.onSessionEnd = { summary, lesson in
            ended.summaries.append(EndedSession(summary: summary, lesson: lesson))
        }
    }

    var totals: WorkerTotals {
        WorkerTotals(evicted: analyzer.tracker.evictedCount, capHits: analyzer.tracker.reassemblyCapHits,
                     droppedDatagrams: analyzer.reassembler.dropped)
    }
}

/// Collects what a worker's tracker reports while it processes one item.
///
/// Used by one thread (a worker, or the merger for its own share), by the tracker's callback and `take`, never both
/// at once: its one property is not checked at run time (the merger asks it once per frame of the capture).
private final class SummaryCollector {
    @exclusivity(unchecked) var summaries: [EndedSession] = []

    func take() -> [EndedSession] {
        guard !summaries.isEmpty else { return [] }
        defer { summaries = [] }
        return summaries
    }
}

/// Which worker follows a frame's flow: a hash of its IP address pair — the addresses the session layer keys flows
/// on — the same both ways, so both directions and every fragment of a datagram meet on one worker. For the common
/// link types the addresses are peeked straight from the headers through the bounds-checked reader; any other frame
/// is decoded in full (and handed on decoded). Frames without IP addresses have no session: worker 0 takes them.
enum FlowRouting {
    /// The worker for a frame whose addresses could not be peeked: it is decoded in full, and handed on decoded.
    static func decodedWorker(for frame: Frame, of count: Int) -> (worker: Int, decoded: DecodedFrame) {
        let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
        guard count > 1, let source = decoded.sourceIP, let destination = decoded.destinationIP else {
            return (0, decoded)
        }
        return (worker(pairHash(source, destination), count), decoded)
    }

    /// The worker for a frame whose addresses can be peeked (nil: decode it to tell, with `decodedWorker`).
    static func peekedWorker(for frame: Frame, of count: Int) -> Int? {
        guard count > 1 else { return 0 }
        return peekedPairHash(frame.bytes, linkType: frame.linkType).map { worker($0, count) }
    }

    private static func worker(_ hash: UInt64, _ count: Int) -> Int {
        Int(truncatingIfNeeded: (hash >> 33) % UInt64(count))
    }

    /// Addition commutes: A→B and B→A hash the same. The multiply spreads the bits before the modulo.
    static func pairHash(_ first: IPAddress, _ second: IPAddress) -> UInt64 {
        (addressHash(first) &+ addressHash(second)) &* 0x9E37_79B9_7F4A_7C15
    }

    private static func addressHash(_ address: IPAddress) -> UInt64 {
        switch address {
        case .v4(let value): return mix(UInt64(value))
        case .v6(let high, let low): return mix(high ^ mix(low))
        }
    }

    private static func mix(_ value: UInt64) -> UInt64 { HashMix.mix(value) }

    /// The pair hash read straight from the headers (`FrameDecoder.peekAddresses`), nil when the frame is not a
    /// plain IPv4/IPv6 packet on a link type read there (the full decoder then decides).
    static func peekedPairHash(_ bytes: [UInt8], linkType: UInt32) -> UInt64? {
        FrameDecoder.peekAddresses(bytes, linkType: linkType).map { pairHash($0.source, $0.destination) }
    }
}

extension SessionOptions {
    /// Each of `workers` trackers gets its share of the limits that bound memory over all flows.
    func dividingLimits(by workers: Int) -> SessionOptions {
        guard workers > 1 else { return self }
        var options = self
        options.maxFlows = max(1, (maxFlows + workers - 1) / workers)
        options.maxReassemblyBytesTotal = max(1, (maxReassemblyBytesTotal + workers - 1) / workers)
        options.maxPendingDNSQueries = max(1, (maxPendingDNSQueries + workers - 1) / workers)
        return options
    }
}
