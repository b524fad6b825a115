import Foundation
import Testing

/// Live capture between two network namespaces this test creates (root only; traffic never leaves them).
@Suite("socketscope live", .serialized, .enabled(if: CLI.liveSkipReason == nil, "\(CLI.liveSkipReason ?? "")"))
struct LiveCommandTests {
    init() {
        if let reason = CLI.liveSkipReason { print("skipping live tests: \(reason)") }
    }

    @Test("frames saved with -w read back identical to what was printed live")
    func writeAndReadBack() throws {
        let pair = try NamespacePair()
        let file = CLI.temporaryFile("live.pcap")
        let capture = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "-w", file, "-c", "10",
                                               "--duration", "20", "-f", "udp port 9999", "--format", "json"])
        let out = Pipe(), err = Pipe()
        capture.standardOutput = out
        capture.standardError = err
        try capture.run()
        Thread.sleep(forTimeInterval: 1.0)
        try pair.sendUDP(count: 12)
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        capture.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(capture.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("frames captured") && stderr.contains("dropped by the kernel"))
        let liveLines = printed.split(separator: "\n").map(String.init)
        #expect(liveLines.count == 10)
        let readBack = try CLI.socketscope("read", file, "--format", "json")
        #expect(readBack.status == 0)
        // Timestamps are microseconds in the file: compare everything else field by field.
        func stripTime(_ line: String) -> String {
            line.replacingOccurrences(of: #""time":[0-9.]+"#, with: "", options: .regularExpression)
        }
        #expect(readBack.lines.map(stripTime) == liveLines.map(stripTime))
        if let tshark = CLI.which("tshark") {
            let check = try CLI.run(tshark, ["-r", file])
            #expect(check.status == 0)
            #expect(check.output.split(separator: "\n").count == 10)
        }
    }

    @Test("Ctrl-C (SIGINT) and SIGTERM stop cleanly and leave a complete file", arguments: [SIGINT, SIGTERM])
    func interrupt(signal: Int32) throws {
        let pair = try NamespacePair()
        let file = CLI.temporaryFile("interrupted.pcap")
        let capture = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "-w", file,
                                               "--duration", "30"])
        let out = Pipe(), err = Pipe()
        capture.standardOutput = out
        capture.standardError = err
        try capture.run()
        Thread.sleep(forTimeInterval: 1.0)
        try pair.sendUDP(count: 5)
        Thread.sleep(forTimeInterval: 0.3)
        // ip netns exec execs the command in place, so the signal reaches socketscope itself.
        kill(capture.processIdentifier, signal)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        capture.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(capture.terminationReason == .exit && capture.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("frames captured"))
        let readBack = try CLI.socketscope("read", file, "--format", "json")
        #expect(readBack.status == 0 && readBack.stderr.isEmpty)
        #expect(readBack.lines.count >= 5)
        if let tshark = CLI.which("tshark") {
            let check = try CLI.run(tshark, ["-r", file])
            #expect(check.status == 0 && !check.stderr.contains("cut short"))
        }
    }

    @Test("a bad BPF filter prints libpcap's message and the filter, exit 2")
    func badFilter() throws {
        let pair = try NamespacePair()
        let process = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "-f", "tcp port banana"])
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(stderr.contains("tcp port banana") && stderr.contains("bad capture filter"))
    }

    @Test("an unknown interface is named in the error, exit 2")
    func unknownInterface() throws {
        let result = try CLI.socketscope("live", "-i", "nosuchif0", "-c", "1")
        #expect(result.status == 2)
        #expect(result.stderr.contains("nosuchif0"))
        let numbered = try CLI.socketscope("live", "-i", "999", "-c", "1")
        #expect(numbered.status == 2 && numbered.stderr.contains("999"))
    }

    @Test("interfaces lists numbered devices with flags, and -i takes the number")
    func interfaces() throws {
        let result = try CLI.socketscope("interfaces")
        #expect(result.status == 0)
        #expect(result.lines.first?.hasPrefix("1.") == true)
        #expect(result.output.contains("Loopback"))
    }
}
