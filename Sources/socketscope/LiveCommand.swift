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

    @Flag(name: .long, help: "Let the kernel batch frames instead of delivering each at once (immediate mode is the default).")
    var noImmediate = false

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
        options.immediate = !noImmediate
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

        // Decoding and printing run on their own thread, so a slow terminal never holds up the capture.
        let queue = FrameQueue(capacity: decodeQueue)
        let sink = OutputSink()
        sink.flushEachLine = true
        let decoding = WorkerThread { [output, sessions] in
            if sessions {
                let printer = SessionPrinter(format: output.format, sink: sink)
                let analyzer = FrameAnalyzer(options: output.sessionOptions,
                                             lessons: LessonOptions(board: output.boardOption.override))
                analyzer.onSessionEnd = { printer.ended($0, $1) }
                analyzer.localMACs = localMACs
                while let frame = queue.take() { _ = analyzer.analyze(frame) }
                printer.finish(captureFindings: analyzer.finish(), board: analyzer.lessons?.board)
                if let report = analyzer.limitsReport { printError(report) }
            } else {
                let pipeline = FramePipeline(options: output, sink: sink, grouped: false, localMACs: localMACs)
                while let frame = queue.take() { pipeline.process(frame) }
                pipeline.finish()
            }
            sink.flush()
        }
        var writeError: CaptureError?
        do {
            try capture.run(count: count, duration: duration, idle: {
                // Nothing arriving: put what is buffered on disk.
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
                queue.offer(frame)
                return true
            }
        } catch {
            queue.close()
            decoding.join()
            throw error
        }
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
