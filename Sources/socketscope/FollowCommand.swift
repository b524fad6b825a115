import ArgumentParser
import Capture
import Render
import Sessions
import Wire
#if canImport(Glibc)
import Glibc
#endif

enum FollowFormat: String, ExpressibleByArgument, CaseIterable {
    case text, hex, raw
}

enum FollowDirection: String, ExpressibleByArgument, CaseIterable {
    case client, server, both
}

struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Show the bytes one TCP session really delivered, reassembled, like Wireshark's Follow TCP Stream.",
        discussion: """
        Retransmissions appear once, out-of-order segments in their place, and bytes the capture never held as \
        [N bytes missing]. Text shows each side in its own colour on a terminal; raw writes exactly the \
        reassembled bytes (one direction at a time). Session numbers come from `socketscope sessions`.

        Examples:
          socketscope follow Captures/http-get.pcap --session 1
          socketscope follow Captures/http-get.pcap --session 1 --format raw --direction server > response.bin
          socketscope follow Captures/chunked.pcap --session 1 --http-body 1 > body.html
        """
    )

    @Argument(help: "Capture files (pcap or pcapng); - for standard input.")
    var files: [String]

    @Option(name: .long, help: "Session number (see `socketscope sessions`).")
    var session: Int

    @Option(name: .long, help: "text, hex (offsets, hex and ASCII) or raw (the bytes themselves).")
    var format: FollowFormat = .text

    @Option(name: .long, help: "Which side's bytes: client, server or both.")
    var direction: FollowDirection = .both

    @Option(name: .long, help: "Write the decoded body of the K-th HTTP response of the session instead.")
    var httpBody: Int?

    @Flag(name: .long, help: "Write raw bytes even when standard output is a terminal.")
    var force = false

    @OptionGroup(title: "Limits") var limits: SessionLimitOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one capture file (or - for standard input)") }
        if session < 1 { throw ValidationError("--session must be at least 1") }
        if format == .raw && direction == .both && httpBody == nil {
            throw ValidationError("--format raw writes one direction: add --direction client or --direction server")
        }
        if let httpBody, httpBody < 1 { throw ValidationError("--http-body counts from 1") }
    }

    func run() throws {
        let sink = OutputSink()
        let writesRaw = format == .raw || httpBody != nil
        if writesRaw && sink.isTerminal && !force {
            throw CommandFailure(message: "refusing to write raw bytes to a terminal (they could be control codes); "
                + "redirect to a file or a pipe, or add --force", code: 2)
        }
        let palette = Palette.forOutput(isTerminal: sink.isTerminal, environment: ProcessInfoLite.environment)
        let analyzer = FrameAnalyzer(options: limits.sessionOptions)
        let tracker = analyzer.tracker
        let printer = StreamPrinter(format: format, direction: direction, sink: sink, palette: palette)
        var seen = false
        var sessionEnded = false
        var bodyFound = false
        if let httpBody {
            // The sessions layer parses HTTP once for everyone; it hands over each response's decoded body.
            tracker.onHTTPBody = { id, responseIndex, bytes in
                guard id == session, responseIndex == httpBody else { return }
                bodyFound = true
                sink.write(bytes: bytes)
                if sink.pendingByteCount > 1 << 16 { sink.flush() }
            }
            tracker.onSessionEnd = { summary in
                guard summary.id == session else { return }
                sessionEnded = true
                seen = summary.frameCount > 0
                // A body of length 0 is a body too.
                if summary.http.contains(where: { $0.responseIndex == httpBody && $0.status != nil }) { bodyFound = true }
            }
        } else {
            tracker.onStreamData = { id, side, chunk in
                guard id == session else { return }
                seen = true
                printer.consume(side, chunk)
            }
        }
        if httpBody == nil {
            tracker.onSessionEnd = { summary in
                if summary.id == session { sessionEnded = true }
            }
        }
        try CaptureInput.forEachFrame(in: files, before: { sink.flush() }) { frame in
            _ = analyzer.analyze(frame)
            return !sessionEnded
        }
        if !sessionEnded { _ = tracker.finish() }
        if httpBody == nil { printer.finish() }
        sink.flush()
        if !seen {
            throw CommandFailure(message: "session \(session) has no TCP payload in this capture "
                + "(`socketscope sessions` lists the sessions)", code: 1)
        }
        if let httpBody, !bodyFound {
            throw CommandFailure(message: "session \(session) has no HTTP response number \(httpBody)", code: 1)
        }
    }
}

/// Prints reassembled chunks as they become deliverable.
final class StreamPrinter {
    let format: FollowFormat
    let direction: FollowDirection
    let sink: OutputSink
    let palette: Palette
    private var lastSide: Direction?
    private var hexOffsets: [Int64] = [0, 0]

    init(format: FollowFormat, direction: FollowDirection, sink: OutputSink, palette: Palette) {
        self.format = format
        self.direction = direction
        self.sink = sink
        self.palette = palette
    }

    private func wanted(_ side: Direction) -> Bool {
        switch direction {
        case .both: return true
        case .client: return side == .clientToServer
        case .server: return side == .serverToClient
        }
    }

    func consume(_ side: Direction, _ chunk: StreamChunk) {
        guard wanted(side) else { return }
        switch chunk {
        case .data(let bytes, _, _):
            switch format {
            case .raw:
                sink.write(bytes: bytes)
            case .text:
                let colour = side == .clientToServer ? "31" : "34"
                if lastSide != side && lastSide != nil && direction == .both && !palette.enabled {
                    sink.write(side == .clientToServer ? "\n>>> client\n" : "\n<<< server\n")
                } else if lastSide == nil && direction == .both && !palette.enabled {
                    sink.write(side == .clientToServer ? ">>> client\n" : "<<< server\n")
                }
                sink.write(palette.paint(TerminalText.escape(bytes: bytes, keepNewlines: true), colour))
            case .hex:
                writeHex(bytes, side: side)
            }
            lastSide = side
        case .gap(let length, _, _):
            if format == .raw { return } // raw is exactly the bytes that were delivered
            sink.write(palette.paint("[\(length) bytes missing]", "33"))
            if format == .hex { sink.endLine() }
            hexOffsets[side.index] += length
        case .end:
            break
        }
        if sink.pendingByteCount > 1 << 16 { sink.flush() }
    }

    private func writeHex(_ bytes: ArraySlice<UInt8>, side: Direction) {
        var index = bytes.startIndex
        let indent = side == .clientToServer ? "" : "    "
        while index < bytes.endIndex {
            let end = min(index + 16, bytes.endIndex)
            let row = bytes[index..<end]
            var line = indent + hex8(hexOffsets[side.index]) + "  "
            for (position, byte) in row.enumerated() {
                line += hex2(byte) + (position == 7 ? "  " : " ")
            }
            line += String(repeating: "   ", count: 16 - row.count) + (row.count <= 8 ? " " : "")
            line += " " + String(row.map { $0 >= 0x20 && $0 < 0x7f ? Character(UnicodeScalar($0)) : "." })
            sink.write(palette.paint(line, side == .clientToServer ? "31" : "34"))
            sink.endLine()
            hexOffsets[side.index] += Int64(row.count)
            index = end
        }
    }

    func finish() {
        if format == .text { sink.endLine() }
    }

    private func hex2(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    private func hex8(_ value: Int64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
