import Foundation
import Testing

/// Live capture under a burst, between two network namespaces the test creates (root only; the frames never leave
/// the veth pair). Benchmarks/live measures the sustained rate; these check the counting and the kernel ring.
@Suite("socketscope live under load", .serialized, .enabled(if: CLI.liveSkipReason == nil, "\(CLI.liveSkipReason ?? "")"))
struct LiveThroughputTests {
    /// An EtherType for local experiments (IEEE 802 "local experimental 1"): nothing else on the link uses it.
    static let etherType = "88b5"

    /// A Python script that sends `count` 60-byte raw Ethernet frames on `interface` as fast as it can.
    static func burst(_ interface: String, count: Int) -> String {
        """
        import socket
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind(('\(interface)', 0))
        head = bytes.fromhex('02aabbccdd01' '02aabbccdd02' '\(etherType)')
        for i in range(\(count)):
            s.send(head + i.to_bytes(4, 'big') + bytes(42))
        """
    }

    func sendBurst(_ pair: NamespacePair, count: Int) throws {
        let sender = pair.exec(in: pair.right, ["python3", "-c", Self.burst(pair.rightInterface, count: count)])
        try sender.run()
        sender.waitUntilExit()
        try #require(sender.terminationStatus == 0)
    }

    @Test("a burst far faster than printing: the kernel drops nothing, and every frame is printed or counted as not decoded live")
    func burstIsCountedWhole() throws {
        let pair = try NamespacePair()
        let frames = 20_000
        let output = CLI.temporaryFile("burst.txt")
        try #require(FileManager.default.createFile(atPath: output, contents: nil))
        let capture = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "-c", String(frames),
                                                "--duration", "60", "-f", "ether proto 0x\(Self.etherType)"])
        let err = Pipe()
        capture.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        capture.standardError = err
        try capture.run()
        Thread.sleep(forTimeInterval: 1.0)
        try sendBurst(pair, count: frames)
        capture.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(capture.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("\(frames) frames captured, 0 dropped by the kernel, 0 dropped by the interface"),
                "\(stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        // Frame lines start with the frame number and the time since the first frame.
        let printed = text.split(separator: "\n").filter { $0.contains(/^ *[0-9]+ [0-9]+\.[0-9]{6}[ ]/) }
        var notDecoded = 0
        if let match = stderr.firstMatch(of: /; ([0-9]+) frames were not decoded live/) { notDecoded = Int(match.1) ?? 0 }
        #expect(printed.count + notDecoded == frames, "\(printed.count) printed, \(notDecoded) not decoded live")
        #expect(printed.first?.contains(/^ +1 0\.000000[ ]/) == true)
    }

    @Test("Ctrl-C right after the last frame: frames the kernel still held in an unfinished block reach the file")
    func interruptDrainsTheRing() throws {
        let pair = try NamespacePair()
        let file = CLI.temporaryFile("drained.pcap")
        let capture = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "-w", file,
                                                "--duration", "30", "-f", "ether proto 0x\(Self.etherType)"])
        capture.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        capture.standardError = err
        try capture.run()
        Thread.sleep(forTimeInterval: 1.0)
        try sendBurst(pair, count: 7)
        kill(capture.processIdentifier, SIGINT)
        capture.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(capture.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("7 frames saved"), "\(stderr)")
        let readBack = try CLI.socketscope("read", file, "--format", "json")
        #expect(readBack.status == 0 && readBack.lines.count == 7)
    }

    @Test("--immediate still delivers every frame (each on its own)")
    func immediateMode() throws {
        let pair = try NamespacePair()
        let capture = pair.exec(in: pair.left, [CLI.binary, "live", "-i", pair.leftInterface, "--immediate", "-c", "5",
                                                "--duration", "20", "-f", "ether proto 0x\(Self.etherType)",
                                                "--format", "json"])
        let out = Pipe(), err = Pipe()
        capture.standardOutput = out
        capture.standardError = err
        try capture.run()
        Thread.sleep(forTimeInterval: 1.0)
        try sendBurst(pair, count: 5)
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        capture.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(capture.terminationStatus == 0, "\(stderr)")
        #expect(printed.split(separator: "\n").count == 5)
        #expect(stderr.contains("5 frames captured, 0 dropped by the kernel"), "\(stderr)")
    }
}
