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
        let (status, printed, stderr) = try capture(pair, ["-w", file, "-c", "10", "--duration", "20",
                                                           "-f", "udp port 9999", "--format", "json"], datagrams: 12)
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("10 frames captured") && stderr.contains("dropped by the kernel"))
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

    @Test("Ctrl-C (SIGINT), SIGTERM and SIGHUP stop cleanly and leave a complete file", arguments: [SIGINT, SIGTERM, SIGHUP])
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

    /// Runs `socketscope live` in the left namespace while the right one sends `datagrams` UDP datagrams.
    func capture(_ pair: NamespacePair, _ arguments: [String], datagrams: Int,
                 payload: Int = 20) throws -> (status: Int32, stdout: String, stderr: String) {
        try pair.runWhileSending([CLI.binary, "live", "-i", pair.leftInterface] + arguments, datagrams: datagrams,
                                 payload: payload)
    }

    @Test("--rotate by size writes several complete files, and --rotate-files keeps a ring")
    func rotation() throws {
        let pair = try NamespacePair()
        let base = CLI.temporaryFile("ring.pcap")
        let result = try capture(pair, ["-w", base, "--rotate", "300", "--rotate-files", "3", "-c", "12",
                                        "--duration", "20", "-f", "udp port 9999"], datagrams: 14)
        #expect(result.status == 0, "\(result.stderr)")
        let stem = String(base.dropLast(5))
        var total = 0
        for number in 1...3 {
            let path = "\(stem)-\(number).pcap"
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
            let read = try CLI.socketscope("read", path, "--format", "json")
            #expect(read.status == 0 && read.stderr.isEmpty)
            total += read.lines.count
        }
        #expect(!FileManager.default.fileExists(atPath: "\(stem)-4.pcap"), "the ring reuses three names")
        #expect(total > 0 && total <= 12)
        #expect(result.stderr.contains("12 frames saved"))
    }

    @Test("live --sessions prints one block per session as it ends")
    func liveSessions() throws {
        let pair = try NamespacePair()
        let result = try capture(pair, ["--sessions", "--format", "json", "-c", "5", "--duration", "20",
                                        "-f", "udp port 9999"], datagrams: 6)
        #expect(result.status == 0, "\(result.stderr)")
        let sessions = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(sessions.count == 1)
        #expect(sessions.first?["proto"] as? String == "udp")
        #expect((sessions.first?["packets"] as? [String: Any])?["client"] as? Int == 5)
    }

    @Test("a full disk is reported, capture stops cleanly and the file ends on a whole frame")
    func fullDisk() throws {
        // A tiny tmpfs of our own fills after a few frames.
        let directory = CLI.temporaryFile("tinyfs")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mount = try CLI.run("/bin/mount", ["-t", "tmpfs", "-o", "size=8k", "tmpfs", directory])
        try #require(mount.status == 0, "mount: \(mount.stderr)")
        defer { _ = try? CLI.run("/bin/umount", [directory]) }
        let pair = try NamespacePair()
        let file = directory + "/full.pcap"
        let result = try capture(pair, ["-w", file, "--duration", "20", "-f", "udp port 9999"], datagrams: 40,
                                 payload: 1000)
        #expect(result.status == 1)
        #expect(result.stderr.contains("write failed") && result.stderr.contains("No space left"))
        let read = try CLI.socketscope("read", file, "--format", "json")
        #expect(read.status == 0 && read.stderr.isEmpty, "the file is valid: \(read.stderr)")
        #expect(read.lines.count >= 1)
    }

    @Test("frames this machine sends are not flagged for checksum offload's unfinished checksums")
    func offloadedChecksums() throws {
        let pair = try NamespacePair()
        let process = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "-c", "3", "--duration", "20",
                                               "-f", "udp port 9998", "--format", "json"])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.0)
        // Sent from the capturing namespace itself, so the veth leaves the UDP checksum to "hardware".
        let script = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "for i in range(3): s.sendto(b'outgoing %d' % i, ('\(pair.rightAddress)', 9998))"
        _ = try CLI.run(CLI.which("ip") ?? "/usr/sbin/ip", ["netns", "exec", pair.left, "python3", "-c", script])
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let verdicts = printed.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]).flatMap { ($0["udp"] as? [String: Any])?["checksum"] as? String }
        }
        #expect(verdicts.count == 3)
        #expect(!verdicts.contains("bad"), "\(verdicts)")
    }

    @Test("a reader that stops reading never makes the capture lose frames: the file gets them all, and the skipped count is reported")
    func captureNeverWaitsForOutput() throws {
        let pair = try NamespacePair()
        let file = CLI.temporaryFile("stalled.pcap")
        let process = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "-w", file, "-c", "3000",
                                               "--duration", "60", "-f", "udp port 9999", "--explain", "--decode-queue", "50"])
        // Nobody reads this pipe: once its 64 KiB fill up, printing blocks for good.
        let stalled = Pipe()
        let err = Pipe()
        process.standardOutput = stalled
        process.standardError = err
        try process.run()
        Thread.sleep(forTimeInterval: 1.0)
        let script = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "import time\nfor i in range(3000):\n    s.sendto(b'x' * 200, ('\(pair.leftAddress)', 9999))\n"
            + "    if i % 50 == 49: time.sleep(0.01)"
        _ = try CLI.run(CLI.which("ip") ?? "/usr/sbin/ip", ["netns", "exec", pair.right, "python3", "-c", script])
        // The capture ends by itself after 3000 frames even though its output is stuck…
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline {
            // …apart from the decoding thread, which is blocked in write(2): draining now lets it finish.
            Thread.sleep(forTimeInterval: 0.2)
            if !FileManager.default.fileExists(atPath: file) { continue }
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            if size >= 24 + 3000 * (16 + 242) { break }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        #expect(size >= 24 + 3000 * (16 + 242), "all 3000 frames reach the file while the output is stalled")
        _ = stalled.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("3000 frames saved") && stderr.contains("0 dropped by the kernel"), "\(stderr)")
        #expect(stderr.contains("not decoded live because printing fell behind"), "\(stderr)")
    }

    @Test("--duration ends the capture on time even when no packet arrives")
    func durationOnIdleInterface() throws {
        let pair = try NamespacePair()
        let start = Date()
        let process = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "--duration", "1.5"])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let elapsed = Date().timeIntervalSince(start)
        #expect(process.terminationStatus == 0)
        #expect(elapsed >= 1.4 && elapsed < 5, "took \(elapsed) s")
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
