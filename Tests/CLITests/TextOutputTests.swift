import Foundation
import Render
import Sessions
import Testing
@testable import socketscope

/// `read`'s text lines are built as bytes (`TextLine`); these pin the pieces that replaced String formatting.
@Suite struct TextLineTests {
    static func text(_ build: (inout TextLine) -> Void, colour: Bool = false) -> String {
        var line = TextLine(palette: Palette(enabled: colour))
        build(&line)
        return String(decoding: line.bytes, as: UTF8.self)
    }

    @Test func relativeTimeHasSixDecimalsAndIsPadded() {
        #expect(Self.text { $0.append(relativeTime: 0, leftAlignedIn: 10) } == "0.000000  ")
        #expect(Self.text { $0.append(relativeTime: 1_234_567_890, leftAlignedIn: 10) } == "1.234567  ")
        #expect(Self.text { $0.append(relativeTime: 999, leftAlignedIn: 10) } == "0.000000  ")  // below a microsecond
        #expect(Self.text { $0.append(relativeTime: -500_000, leftAlignedIn: 10) } == "-0.000500 ")
        #expect(Self.text { $0.append(relativeTime: 86_400_000_000_000, leftAlignedIn: 10) } == "86400.000000")
        #expect(Self.text { $0.append(relativeTime: Int64.min, leftAlignedIn: 10) } == "-9223372036.854775")
    }

    @Test func numbersAreRightAlignedAndNeverCut() {
        #expect(Self.text { $0.append(7, rightAlignedIn: 6) } == "     7")
        #expect(Self.text { $0.append(123_456, rightAlignedIn: 6) } == "123456")
        #expect(Self.text { $0.append(1_234_567, rightAlignedIn: 6) } == "1234567")
        #expect(Self.text { $0.append(-42) } == "-42")
        #expect(Self.text { $0.append(Int.min) } == "-9223372036854775808")
        #expect(Self.text { $0.append(decimal: UInt64.max) } == "18446744073709551615")
    }

    @Test func colourOnlyWhenThePaletteIsOn() {
        let plain = Self.text { line in line.painted("1") { $0.append("TCP") } }
        let coloured = Self.text({ line in line.painted("1") { $0.append("TCP") } }, colour: true)
        #expect(plain == "TCP")
        #expect(coloured == "\u{1b}[1mTCP\u{1b}[0m")
        #expect(coloured == Palette(enabled: true).paint("TCP", "1"))
    }

    @Test func networkTextIsEscaped() {
        #expect(Self.text { $0.appendEscaped("a\u{1b}[2Jb\\") } == TerminalText.escape("a\u{1b}[2Jb\\"))
        #expect(Self.text { $0.appendEscaped("a\u{1b}[2Jb\\") } != "a\u{1b}[2Jb\\")
    }

    @Test("three decimals, rounded, with a sign for negatives (a session's duration)", arguments: [
        (0.0, "0.000"), (1.0, "1.000"), (0.145479, "0.145"), (12.3456, "12.346"), (-0.5, "-0.500"),
        (0.0004, "0.000"), (0.0006, "0.001"), (999.9996, "1000.000"), (86_400.25, "86400.250"),
    ])
    func threeDecimals(value: Double, text: String) {
        #expect(Self.text { $0.append(format3: value) } == text)
        #expect(String(format3: value) == text)
    }

    @Test("a value that is not finite, or too large to count in thousandths, is a question mark (never a trap)",
          arguments: [Double.nan, .infinity, -.infinity, 1e300, -1e300, 0x1p63 / 1000 * 2])
    func threeDecimalsUnrepresentable(value: Double) {
        #expect(Self.text { $0.append(format3: value) } == "?")
        #expect(String(format3: value) == "?")
    }

    @Test("three decimals in place match a String-built reference from a microsecond to a year")
    func threeDecimalsMatchString() {
        /// The formatting the byte writer replaced, kept here as the reference.
        func reference(_ value: Double) -> String {
            let scaled = Int64((abs(value) * 1000).rounded())
            let fraction = String(scaled % 1000)
            return (value < 0 ? "-" : "") + String(scaled / 1000) + "." + String(repeating: "0", count: 3 - fraction.count)
                + fraction
        }
        var checked = 0
        for exponent in -6...8 {
            var scale = 1.0
            for _ in 0..<abs(exponent) { scale = exponent < 0 ? scale / 10 : scale * 10 }
            for step in -17...17 {
                let value = scale * (1 + Double(step) / 7)
                #expect(Self.text { $0.append(format3: value) } == reference(value), "value \(value)")
                #expect(String(format3: value) == reference(value), "value \(value)")
                checked += 1
            }
        }
        #expect(checked == 15 * 35)
    }
}

/// A session with more lines than `read` holds back prints in parts, each part under its own header.
@Suite struct GroupedTextTests {
    @Test func longSessionPrintsInParts() throws {
        let datagrams = FramePipeline.maxBufferedLines + 10
        let frames = (0..<datagrams).map { index in
            let payload = Array("reading \(index)".utf8)
            let header = HostileCapture.be16(4096) + HostileCapture.be16(9999) + HostileCapture.be16(8 + payload.count)
                + [0, 0]
            return HostileCapture.frame(from: true, proto: 17, transport: header + payload)
        }
        let path = CLI.temporaryFile("long-session.pcap")
        try PcapFile.write(frames, to: path)
        for threads in ["1", "2"] {
            let result = try CLI.socketscope("read", path, "--threads", threads)
            #expect(result.status == 0)
            let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.filter { $0.hasPrefix("── Session 1: UDP") }.count == 2)
            #expect(lines.filter { $0 == "   (session 1 continues below)" }.count == 1)
            // Every frame once, in order: the part boundary loses and repeats nothing.
            let numbers = lines.compactMap { line -> Int? in
                let fields = line.split(separator: " ")
                guard fields.count > 2, fields[2].hasPrefix("192.168.4.2:4096") || fields[2] == "board" else { return nil }
                return Int(fields[0])
            }
            #expect(numbers == Array(1...datagrams))
            // The first part is exactly maxBufferedLines lines: the header (after its blank line), the board's
            // calls that sent nothing, and the first frames.
            let header = try #require(lines.firstIndex { $0.hasPrefix("── Session 1: UDP") })
            let marker = try #require(lines.firstIndex(of: "   (session 1 continues below)"))
            #expect(marker - header == FramePipeline.maxBufferedLines)
            #expect(lines[header + 1].contains("(no packet)"))
            #expect(lines.last(where: { !$0.isEmpty })?.hasPrefix("   session 1: ") == true)
        }
    }

    @Test("each session's block opens with a blank line and its header and closes with its state, frames and duration")
    func sessionHeaderAndClosingLine() throws {
        for threads in ["1", "2"] {
            let result = try CLI.socketscope("read", CLI.capture("http-get-by-name.pcap"), "--threads", threads)
            #expect(result.status == 0)
            let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let dns = try #require(lines.firstIndex(of: "── Session 1: UDP 192.168.4.2:32099 → 192.168.4.1:53 (lesson: network) ──"))
            #expect(dns > 0 && lines[dns - 1].isEmpty)
            #expect(lines.contains("   session 1: SF (normal open and close), 2 frames in 0.000 s"))
            let http = "── Session 2: TCP 192.168.4.2:7140 → 192.168.4.1:80 (lesson: client, the board is the client) ──"
            let start = try #require(lines.firstIndex(of: http))
            #expect(lines[start - 1].isEmpty)
            let close = try #require(lines.firstIndex(of: "   session 2: SF (normal open and close), 15 frames in 0.003 s"))
            // The fifteen frames (and the steps inferred between them) sit between the two.
            #expect(close > start + 15)
        }
    }
}

/// `read` writes most frames' summary straight into the line as bytes (`FrameSummary.writeTCPInfo`,
/// `writeIPv4Endpoints`) instead of building and escaping a String: on every frame of the bundled captures, what it
/// writes must be exactly what the String path prints.
@Suite struct SummaryBytesTests {
    static func written(_ write: (inout TextLine) -> Void) -> String {
        var line = TextLine(palette: Palette(enabled: false))
        write(&line)
        return String(decoding: line.bytes, as: UTF8.self)
    }

    @Test func bytePathPrintsWhatTheStringPathPrints() throws {
        #expect(ThreadsTests.captures.count >= 20)
        var tcpAlone = 0, tcpWithHTTP = 0, tcpWithMore = 0, endpoints = 0
        var headWithoutExchange = 0
        for path in ThreadsTests.captures {
            let analyzer = FrameAnalyzer(options: SessionOptions())
            // Damaged captures end with an error (exit status 2): the frames before it are still checked.
            try? CaptureInput.forEachFrame(in: [path]) { frame in
                // The frame as the session layer saw it (a fragment that completed a datagram: the datagram).
                let (decoded, annotation, bytes) = analyzer.withSeenAnalysis(frame, decoded: nil) { _, seen, bytes, notes, _ in
                    (seen, notes, bytes)
                }
                let info = TerminalText.escape(FrameSummary.info(decoded, annotation, frameNumber: frame.number,
                                                                 bytes: bytes))
                if decoded.tcp != nil {
                    var line = TextLine(palette: Palette(enabled: false))
                    if FrameText.appendTCPInfo(decoded, annotation, frameNumber: frame.number, bytes: bytes,
                                               into: &line) {
                        #expect(String(decoding: line.bytes, as: UTF8.self) == info, "\(path) frame \(frame.number)")
                        if !annotation.http.isEmpty {
                            tcpWithHTTP += 1
                        } else if decoded.hasHTTP {
                            headWithoutExchange += 1
                        } else {
                            tcpAlone += 1
                        }
                    } else {
                        #expect(line.isEmpty)
                        tcpWithMore += 1
                    }
                }
                var line = TextLine(palette: Palette(enabled: false))
                if line.append(upTo: FrameSummary.endpointsCapacity, { FrameSummary.writeIPv4Endpoints(decoded, into: $0) }) {
                    #expect(String(decoding: line.bytes, as: UTF8.self) == TerminalText.escape(FrameSummary.endpoints(decoded)))
                    endpoints += 1
                } else {
                    #expect(line.bytes.isEmpty)
                }
                return true
            }
        }
        // Every side of the byte path was exercised: plain segments, segments completing an HTTP head, heads the
        // session layer did not complete an exchange with (a capture that starts mid-stream), and, left to the String
        // path, segments with more on top (DNS over TCP, a decoding error).
        #expect(tcpAlone > 100)
        #expect(tcpWithHTTP > 20)
        #expect(headWithoutExchange > 0)
        #expect(tcpWithMore > 0)
        #expect(endpoints > 100)
    }

    @Test func roomIsNeverOverrun() {
        // A writer that asks for more than the room it was given gets only the room.
        let text = Self.written { line in
            line.append("x")
            line.append(upTo: 4) { buffer in
                var out = ASCIIWriter(buffer)
                out.append("abcdefgh")
                return out.count
            }
            line.append(upTo: 8) { _ in nil }
            line.append("y")
        }
        #expect(text == "xabcdy")
    }
}
