import Foundation

/// Runs the built `socketscope` binary and other programs for the command-line tests.
enum CLI {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus = repository.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    /// The binary next to the test bundle (works for any --scratch-path), or SOCKETSCOPE_BIN.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["SOCKETSCOPE_BIN"] { return path }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("socketscope").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return repository.appendingPathComponent(".build/debug/socketscope").path
    }()

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var output: String { String(decoding: stdout, as: UTF8.self) }
        var lines: [String] { output.split(separator: "\n").map(String.init) }
    }

    /// Runs a program to completion, feeding `input` on standard input.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            DispatchQueue.global().async {
                inputPipe.fileHandleForWriting.write(input)
                try? inputPipe.fileHandleForWriting.close()
            }
        }
        // Read both pipes concurrently so neither fills up and blocks the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    static func socketscope(_ arguments: String..., input: Data? = nil) throws -> Result {
        try run(binary, arguments, input: input)
    }

    static func corpusFile(_ name: String) -> String { corpus.appendingPathComponent(name).path }
    static func capture(_ name: String) -> String { repository.appendingPathComponent("Captures/\(name)").path }

    static func temporaryFile(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("socketscope-cli-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
    }

    /// A capture that `write` builds into a temporary file (a failed write leaves the file missing: the tests
    /// that read it then fail on it).
    static func builtCapture(_ name: String, _ write: (String) throws -> Void) -> String {
        let path = temporaryFile(name)
        try? write(path)
        return path
    }

    static var isRoot: Bool { geteuid() == 0 }

    static func which(_ tool: String) -> String? {
        for directory in ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"] {
            let path = directory + "/" + tool
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Why live tests cannot run here, or nil when they can.
    static let liveSkipReason: String? = {
        guard isRoot else { return "live capture tests need root (they create network namespaces)" }
        guard let ip = which("ip") else { return "live capture tests need `ip` (iproute2)" }
        let name = "ssprobe\(getpid())"
        guard (try? run(ip, ["netns", "add", name]))?.status == 0 else { return "`ip netns add` is not permitted here" }
        _ = try? run(ip, ["netns", "del", name])
        return nil
    }()
}

/// Two network namespaces joined by a veth pair, torn down on deinit. Traffic stays between them.
final class NamespacePair {
    let left: String
    let right: String
    let leftInterface = "ssl0"
    let rightInterface = "ssr0"
    let leftAddress = "10.77.0.1"
    let rightAddress = "10.77.0.2"
    private let ip: String

    init() throws {
        ip = CLI.which("ip") ?? "/usr/sbin/ip"
        let tag = "\(getpid())\(Int.random(in: 1000...9999))"
        left = "ssA\(tag)"
        right = "ssB\(tag)"
        let steps: [[String]] = [
            ["netns", "add", left], ["netns", "add", right],
            ["link", "add", leftInterface, "netns", left, "type", "veth", "peer", "name", rightInterface, "netns", right],
            ["-n", left, "addr", "add", "\(leftAddress)/24", "dev", leftInterface],
            ["-n", right, "addr", "add", "\(rightAddress)/24", "dev", rightInterface],
            ["-n", left, "link", "set", leftInterface, "up"], ["-n", right, "link", "set", rightInterface, "up"],
            ["-n", left, "link", "set", "lo", "up"], ["-n", right, "link", "set", "lo", "up"],
        ]
        for step in steps {
            let result = try CLI.run(ip, step)
            if result.status != 0 {
                tearDown()
                throw NSError(domain: "NamespacePair", code: Int(result.status),
                              userInfo: [NSLocalizedDescriptionKey: "ip \(step.joined(separator: " ")): \(result.stderr)"])
            }
        }
    }

    deinit { tearDown() }

    func tearDown() {
        _ = try? CLI.run(ip, ["netns", "del", left])
        _ = try? CLI.run(ip, ["netns", "del", right])
    }

    /// Runs a command inside a namespace.
    func exec(in namespace: String, _ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = ["netns", "exec", namespace] + arguments
        return process
    }

    /// Runs `command` in the left namespace while the right one sends `datagrams` UDP datagrams to it; returns
    /// the exit status, standard output and standard error once the command ends.
    func runWhileSending(_ command: [String], datagrams: Int, payload: Int = 20) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = exec(in: left, command)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        Thread.sleep(forTimeInterval: 1.0)
        try sendUDP(count: datagrams, payload: payload)
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, printed, stderr)
    }

    /// Sends `count` UDP datagrams from the right namespace to the left one (python3, loopback-free, bounded).
    func sendUDP(count: Int, port: Int = 9999, payload: Int = 20) throws {
        let script = """
        import socket, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(\(count)):
            s.sendto((b'socketscope test %d ' % i).ljust(\(payload), b'.'), ('\(leftAddress)', \(port)))
            time.sleep(0.01)
        """
        _ = try CLI.run(ip, ["netns", "exec", right, "python3", "-c", script])
    }
}

/// Writes hand-built frames as a classic pcap (microseconds, Ethernet), one millisecond apart from 1,700,000,000 s.
enum PcapFile {
    static func write(_ frames: [[UInt8]], to path: String) throws {
        var file: [UInt8] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]
        for (index, bytes) in frames.enumerated() {
            for value in [UInt32(1_700_000_000), UInt32(index * 1000), UInt32(bytes.count), UInt32(bytes.count)] {
                withUnsafeBytes(of: value.littleEndian) { file += $0 }
            }
            file += bytes
        }
        try Data(file).write(to: URL(fileURLWithPath: path))
    }
}
