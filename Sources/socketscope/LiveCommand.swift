import ArgumentParser
import Capture
import Lessons
import Render
import Wire
#if canImport(Glibc)
import Glibc
#endif

struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Sniff an interface live and explain each frame as it arrives.",
        discussion: """
        Needs root, or the capture capabilities granted once to the binary:
          sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v socketscope)"
        Without -i, captures on the first interface that is up, running and not loopback (as tcpdump does).
        Ctrl-C (or SIGTERM, SIGHUP) stops cleanly: the -w file is complete, and a closing line reports frames
        captured and dropped.

        Examples:
          sudo socketscope live -i wlan0 -f 'host 192.168.4.1'
          sudo socketscope live -i 2 -w board.pcap --duration 60
          sudo socketscope live -i eth0 -c 100 --format json --user nobody
        """
    )

    @Option(name: [.short, .customLong("interface")], help: "Interface name or number from `socketscope interfaces`.")
    var interface: String?

    @Option(name: [.short, .long], help: "BPF capture filter, e.g. 'tcp port 80 or udp port 53'.")
    var filter: String?

    @Option(name: [.short, .long], help: "Bytes to keep of each frame.")
    var snaplen: Int = 262_144

    @Flag(name: .long, help: "Do not put the interface into promiscuous mode.")
    var noPromiscuous = false

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Have the kernel deliver each frame on its own at once. Off by default: frames come in blocks, at most 20 ms late, "
            + "and the kernel buffer holds far more of them (in immediate mode each frame takes a whole slot, "
            + "64 KiB on interfaces with offloads: 16 MiB then hold 256 frames, so a burst overflows it quickly)."))
    var immediate = false

    @Option(name: [.customShort("B"), .customLong("buffer-size")], help: "Kernel capture buffer in KiB (as tcpdump -B; default 16384).")
    var bufferSizeKiB: Int?

    @Option(name: [.short, .long], help: "Stop after this many frames.")
    var count: Int?

    @Option(name: .long, help: "Stop after this many seconds.")
    var duration: Double?

    @Option(name: [.short, .long], help: "Also save every captured frame to this pcap file.")
    var write: String?

    @Option(name: .long, help: ArgumentHelp(
        "With -w: start a new file by size or time, e.g. 10MB or 60s (board.pcap becomes board-1.pcap, board-2.pcap…).",
        valueName: "size|seconds"))
    var rotate: String?

    @Option(name: .long, help: "With --rotate: keep at most this many files, reusing the oldest (as tcpdump -W).")
    var rotateFiles: Int?

    @Option(name: [.customShort("Z"), .long], help: "Drop root privileges to this user once the interface is open (as tcpdump -Z); -w files then belong to that user.")
    var user: String?

    @Flag(name: .long, help: "Print one block per session as each session ends, instead of one line per frame.")
    var sessions = false

    @Option(name: .long, help: "Frames that may wait to be decoded and printed; when printing falls further behind, frames still go to the -w file and are counted as not decoded live.")
    var decodeQueue: Int = 65_536

    @OptionGroup var output: FrameOutputOptions

    func validate() throws {
        if snaplen < 1 || snaplen > 262_144 { throw ValidationError("--snaplen must be between 1 and 262144") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if let bufferSizeKiB, bufferSizeKiB < 1 || bufferSizeKiB > 4 << 20 {
            throw ValidationError("--buffer-size must be between 1 and 4194304 KiB")
        }
        if let rotate {
            guard write != nil else { throw ValidationError("--rotate needs -w FILE") }
            guard RotationPolicy.parse(rotate) != nil else {
                throw ValidationError("--rotate takes a size (10MB, 500k, 1G) or a time (60s, 5min, 1h), not '\(rotate)'")
            }
        }
        if decodeQueue < 1 { throw ValidationError("--decode-queue must be at least 1") }
        if let rotateFiles {
            guard rotate != nil else { throw ValidationError("--rotate-files needs --rotate") }
            guard rotateFiles >= 1 else { throw ValidationError("--rotate-files must be at least 1") }
        }
    }

    func run() throws {
        var options = LiveOptions()
        options.device = interface
        options.filter = filter
        options.snapLength = snaplen
        options.promiscuous = !noPromiscuous
        options.immediate = immediate
        if let bufferSizeKiB { options.bufferSize = bufferSizeKiB * 1024 }
        options.user = user
        LiveCapture.installStopSignals()
        let capture = try LiveCapture(options: options)
        // The file is created after privileges are dropped, so it belongs to --user.
        var policy = rotate.flatMap(RotationPolicy.parse) ?? RotationPolicy()
        policy.fileCount = rotateFiles
        let writer = try write.map { path throws(CaptureError) in
            try RotatingPcapWriter(path: path, linkType: capture.linkType, snapLength: UInt32(snaplen), policy: policy)
        }
        printError("socketscope: capturing on \(capture.device) (\(LinkTypeName.name(capture.linkType)))"
            + (write.map { ", saving to \($0)" } ?? "") + "; Ctrl-C to stop")

        // Frames this machine sends carry checksums the NIC fills in later: know our own address.
        let localMACs = Self.macAddress(of: capture.device).map { Set([$0]) } ?? []

        // Decoding and printing run on their own thread, so a slow terminal never holds up the capture. Frames
        // cross in batches (one lock round trip per batch, handed over at once whenever the interface goes quiet),
        // and the output is written whenever the printing thread has caught up (or 64 KiB are waiting), not
        // once per line: at 100,000 frames/s a write(2) per line costs as much as the formatting.
        let queue = LiveFrameBatches(maxFrames: decodeQueue)
        let sink = OutputSink()
        let decoding = WorkerThread { [output, sessions] in
            if sessions {
                let printer = SessionPrinter(format: output.format, sink: sink)
                let analyzer = FrameAnalyzer(options: output.sessionOptions,
                                             lessons: LessonOptions(board: output.boardOption.override))
                analyzer.onSessionEnd = { printer.ended($0, $1) }
                analyzer.localMACs = localMACs
                while let batch = queue.take() {
                    for item in batch { _ = analyzer.analyze(item.frame, decoded: item.decoded) }
                    if queue.isEmpty { sink.flush() }
                }
                printer.finish(captureFindings: analyzer.finish(), board: analyzer.lessons?.board)
                if let report = analyzer.limitsReport { printError(report) }
            } else {
                let pipeline = FramePipeline(options: output, sink: sink, grouped: false, localMACs: localMACs)
                while let batch = queue.take() {
                    for item in batch { pipeline.process(item.frame, decoded: item.decoded) }
                    if queue.isEmpty { sink.flush() }
                }
                pipeline.finish()
            }
            sink.flush()
        }
        var writeError: CaptureError?
        var batch: [Frame] = []
        batch.reserveCapacity(LiveFrameBatches.batchSize)
        // Decoding is stateless, so the capture thread does it, leaving the printing thread the sessions, the
        // lessons and the text (the capture thread has time to spare: the kernel hands frames over in blocks).
        // Only for a batch the queue takes: when printing has fallen behind, skipped frames cost nothing more.
        let decode = { (frame: Frame) in FrameDecoder.decode(frame.bytes, linkType: frame.linkType, localMACs: localMACs) }
        do {
            try capture.run(count: count, duration: duration, idle: {
                // Nothing arriving: hand over what is gathered and put what is buffered on disk.
                if !batch.isEmpty {
                    queue.offer(batch, decode: decode)
                    batch.removeAll(keepingCapacity: true)
                }
                do throws(CaptureError) { try writer?.flush() } catch {
                    writeError = error
                    return false
                }
                return true
            }) { frame in
                if let writer {
                    do throws(CaptureError) { try writer.write(frame) } catch {
                        writeError = error
                        return false
                    }
                }
                batch.append(frame)
                if batch.count >= LiveFrameBatches.batchSize {
                    queue.offer(batch, decode: decode)
                    batch.removeAll(keepingCapacity: true)
                }
                return true
            }
        } catch {
            queue.close()
            decoding.join()
            throw error
        }
        if !batch.isEmpty { queue.offer(batch, decode: decode) }
        if writeError == nil {
            do throws(CaptureError) { try writer?.flush() } catch { writeError = error }
        }
        writer?.close()
        queue.close()
        decoding.join()
        var closing = "socketscope: "
        if let writer {
            closing += "\(writer.framesWritten) frames saved to " + writer.paths.joined(separator: ", ") + "; "
        }
        closing += "\(capture.framesCaptured) frames captured"
        if let stats = capture.statistics() {
            // ps_recv counts what reached the filter (on loopback each frame twice); the drops are what matter.
            closing += ", \(stats.droppedByKernel) dropped by the kernel, \(stats.droppedByInterface) dropped by the interface"
        }
        if queue.skippedCount > 0 {
            closing += "; \(queue.skippedCount) frames were not decoded live because printing fell behind"
                + (writer != nil ? " (they are in the file)" : "")
        }
        printError(closing)
        if let writeError {
            throw CommandFailure(message: "\(writeError); capture stopped, the file ends at the last whole frame", code: 1)
        }
    }

    /// The interface's own MAC address, from sysfs (Linux); nil for interfaces without one.
    static func macAddress(of device: String) -> MACAddress? {
        guard !device.contains("/"), let file = fopen("/sys/class/net/\(device)/address", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let mac = MACAddress(text), mac.rawValue != 0 else { return nil }
        return mac
    }
}

/// The bounded hand-off from the capture thread to the printing thread, in batches. The capture thread never
/// waits: a batch that does not fit (more than `maxFrames` frames or `maxBytes` bytes waiting; an empty queue
/// always takes one batch) is counted as not decoded live (its frames are still in the -w file), so a slow
/// terminal can never make the kernel drop frames.
final class LiveFrameBatches: @unchecked Sendable {
    /// Frames per hand-over while traffic keeps coming.
    static let batchSize = 256
    /// A frame and its fast-path decoding.
    struct Item: Sendable {
        var frame: Frame
        var decoded: DecodedFrame
    }
    private var batches: [[Item]] = []
    private var head = 0
    private var frames = 0
    private var bytes = 0
    private var closed = false
    private var skipped = 0
    let maxFrames: Int
    let maxBytes: Int
    // Heap-allocated so their addresses never move (pthread objects must not be copied).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(maxFrames: Int, maxBytes: Int = 64 << 20) {
        self.maxFrames = max(1, maxFrames)
        self.maxBytes = maxBytes
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
    }

    deinit {
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        notEmpty.deallocate()
        mutex.deallocate()
    }

    /// Queues a batch, each frame with its decoding, unless the printing thread is too far behind (then nothing is
    /// decoded). Never waits, apart from the lock. One producer: room seen before decoding is still there after
    /// (the printing thread only ever makes more).
    func offer(_ batchFrames: [Frame], decode: (Frame) -> DecodedFrame) {
        guard !batchFrames.isEmpty else { return }
        var batchBytes = 0
        for frame in batchFrames { batchBytes += frame.capturedLength }
        pthread_mutex_lock(mutex)
        let fits = frames == 0 || (frames + batchFrames.count <= maxFrames && bytes + batchBytes <= maxBytes)
        if !fits { skipped += batchFrames.count }
        pthread_mutex_unlock(mutex)
        guard fits else { return }
        let batch = batchFrames.map { Item(frame: $0, decoded: decode($0)) }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        batches.append(batch)
        frames += batch.count
        bytes += batchBytes
        pthread_cond_signal(notEmpty)
    }

    /// The next batch, waiting for one; nil once closed and empty.
    func take() -> [Item]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == batches.count && !closed { pthread_cond_wait(notEmpty, mutex) }
        guard head < batches.count else { return nil }
        let batch = batches[head]
        batches[head] = []
        head += 1
        if head == batches.count {
            batches.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 {
            batches.removeFirst(head)
            head = 0
        }
        frames -= batch.count
        for item in batch { bytes -= item.frame.capturedLength }
        return batch
    }

    /// True when no batch is waiting (the printing thread has caught up).
    var isEmpty: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return head == batches.count
    }

    /// No more batches will be offered.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(notEmpty)
        pthread_mutex_unlock(mutex)
    }

    /// Frames the printing thread never saw because it had fallen behind.
    var skippedCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return skipped
    }
}
