// Live end-to-end tests for the captures lab (Captures/lab/lab.sh).
//
// Each scenario test builds a fresh lab of network namespaces (board, mid,
// lan, client), runs the scenario's MicroPython program on the "board" while
// `socketscope live -i wlan0 -w FILE` records the board's interface, tears the
// lab down again (also when an expectation fails), and then checks what
// `socketscope read FILE --format json` reports against tshark/tcpdump.
//
// Needs root and `ip netns` (skipped with a printed reason otherwise). The
// binary comes from $SOCKETSCOPE or .build/debug/socketscope.
//
// Depends on nothing but Foundation and Testing.

import Foundation
import Testing

// MARK: - Environment

enum Lab {
    /// The repository root: $SOCKETSCOPE_REPO, else Tests/LabTests/LabTests.swift
    /// -> ../../.., else the working directory (swift test runs in the package root).
    static let root: URL = {
        var candidates: [URL] = []
        if let r = ProcessInfo.processInfo.environment["SOCKETSCOPE_REPO"], !r.isEmpty {
            candidates.append(URL(fileURLWithPath: r))
        }
        candidates.append(URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("Captures/lab/lab.sh").path)
        } ?? candidates[0]
    }()

    static var labScript: String { root.appendingPathComponent("Captures/lab/lab.sh").path }
    static var capturesDir: String { root.appendingPathComponent("Captures").path }

    static var socketscope: String {
        if let p = ProcessInfo.processInfo.environment["SOCKETSCOPE"], !p.isEmpty { return p }
        return root.appendingPathComponent(".build/debug/socketscope").path
    }

    static var hasBinary: Bool { FileManager.default.isExecutableFile(atPath: socketscope) }

    /// Why the live lab tests cannot run here, or nil if they can.
    static let liveSkipReason: String? = {
        if geteuid() != 0 { return "not running as root (network namespaces need root)" }
        guard let ip = which("ip") else { return "`ip` (iproute2) not found" }
        guard let r = try? run([ip, "netns", "list"]), r.status == 0 else {
            return "`ip netns` is not available"
        }
        if !hasBinary { return "socketscope binary not found at \(socketscope) (set SOCKETSCOPE)" }
        for tool in ["python3", "nft", "dnsmasq", "ethtool"] where which(tool) == nil {
            return "\(tool) not found (the lab needs python3, nftables, dnsmasq and ethtool)"
        }
        return nil
    }()

    static var liveEnabled: Bool {
        if let reason = liveSkipReason {
            print("LabTests: skipping live lab tests: \(reason)")
            return false
        }
        return true
    }

    static var binaryEnabled: Bool {
        if !hasBinary {
            print("LabTests: skipping: socketscope binary not found at \(socketscope)")
            return false
        }
        return true
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        let dirs: [String] = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for dir in dirs {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// How long one program may run before it counts as hung. A lab scenario takes about two seconds; its own
    /// waits (lab.sh's polls, the board program's `timeout 30`) add up to about a minute at worst.
    static let processDeadline: TimeInterval = 150

    /// Run a program to completion; output goes through temporary files so a
    /// chatty child can never block on a full pipe.
    ///
    /// A child still running after `deadline` seconds is killed and reported (non-zero status, a line on its
    /// stderr). The deadline runs from the child's start, not the test's: under `swift test`'s parallel run a
    /// test case can wait minutes for a thread before it starts, and a test-wide time limit counted that wait
    /// (a CI run failed so, the scenario itself having taken two seconds).
    @discardableResult
    static func run(_ argv: [String], env extra: [String: String] = [:],
                    deadline: TimeInterval = processDeadline) throws -> Result {
        let tmp = FileManager.default.temporaryDirectory
        let outURL = tmp.appendingPathComponent("labtests-\(UUID().uuidString).out")
        let errURL = tmp.appendingPathComponent("labtests-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        // The termination handler, set before the child starts, so a fast exit is never missed.
        let exited = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in exited.signal() }
        try p.run()
        var hung = false
        if exited.wait(timeout: .now() + deadline) == .timedOut {
            hung = true
            // SIGKILL: under `swift test` a child `sleep` outlived SIGTERM for seconds.
            kill(p.processIdentifier, SIGKILL)
            exited.wait()
        }
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        var err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        if hung { err += "\nLabTests: \(argv[0]) still running after \(Int(deadline)) s; killed\n" }
        return Result(status: hung ? -1 : p.terminationStatus, stdout: out, stderr: err)
    }

    nonisolated(unsafe) static var counter = 0
    static let counterLock = NSLock()

    /// A lab name unique to this process and call (namespaces are LAB-board etc.).
    static func uniqueName() -> String {
        counterLock.lock()
        defer { counterLock.unlock() }
        counter += 1
        return "lt\(getpid())x\(counter)"
    }
}

// MARK: - What SocketScope reports

/// One line of `socketscope read FILE --format json`.
struct FrameRecord {
    let json: [String: Any]
    var frame: Int? { (json["frame"] as? NSNumber)?.intValue }
    var length: Int? { (json["length"] as? NSNumber)?.intValue }
    var caplen: Int? { (json["caplen"] as? NSNumber)?.intValue }
    /// Nested lookup, e.g. record["tcp", "flags"] (for fields added later).
    subscript(path: String...) -> Any? {
        var cur: Any? = json
        for key in path { cur = (cur as? [String: Any])?[key] }
        return cur
    }
}

enum Report {
    static func read(_ file: String) throws -> (records: [FrameRecord], badLines: [String], stderr: String, status: Int32) {
        let r = try Lab.run([Lab.socketscope, "read", file, "--format", "json"])
        var records: [FrameRecord] = []
        var bad: [String] = []
        for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: true) {
            if let data = line.data(using: .utf8),
               let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                records.append(FrameRecord(json: obj))
            } else {
                bad.append(String(line))
            }
        }
        return (records, bad, r.stderr, r.status)
    }

    /// Frame count according to tshark, else tcpdump; nil if neither exists.
    static func referenceFrameCount(_ file: String) throws -> (tool: String, count: Int)? {
        if let tshark = Lab.which("tshark") {
            let r = try Lab.run([tshark, "-r", file, "-T", "fields", "-e", "frame.number"])
            guard r.status == 0 else { return (tool: "tshark", count: -1) }
            return ("tshark", r.stdout.split(separator: "\n").count)
        }
        if let tcpdump = Lab.which("tcpdump") {
            let r = try Lab.run([tcpdump, "-r", file, "-n"])
            guard r.status == 0 else { return (tool: "tcpdump", count: -1) }
            return ("tcpdump", r.stdout.split(separator: "\n").count)
        }
        return nil
    }

    /// pcap (either byte order, µs or ns) or pcapng magic.
    static func hasCaptureMagic(_ file: String) -> Bool {
        guard let h = FileManager.default.contents(atPath: file), h.count >= 24 else { return false }
        let m = [UInt8](h.prefix(4))
        let magics: [[UInt8]] = [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4],
                                 [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d],
                                 [0x0a, 0x0d, 0x0d, 0x0a]]
        return magics.contains(m)
    }

    /// Checks every capture must pass, whatever the scenario.
    static func expectValid(_ file: String, _ records: [FrameRecord], badLines: [String]) throws {
        #expect(hasCaptureMagic(file), "\(file) does not start with a pcap/pcapng magic number")
        #expect(badLines.isEmpty, "lines that are not JSON objects: \(badLines.prefix(3))")
        #expect(records.count > 0, "socketscope reported no frames")
        for (i, r) in records.enumerated() {
            #expect(r.frame == i + 1, "frame numbers should count 1, 2, 3...: \(r.json)")
            for key in ["frame", "time", "length", "caplen", "linktype"] {
                #expect(r.json[key] != nil, "record without \(key): \(r.json)")
            }
            if let len = r.length, let cap = r.caplen {
                #expect(cap <= len && cap > 0, "caplen \(cap) vs length \(len)")
            }
        }
        if let ref = try referenceFrameCount(file) {
            #expect(ref.count == records.count,
                    "\(ref.tool) counts \(ref.count) frames, socketscope \(records.count)")
        } else {
            print("LabTests: neither tshark nor tcpdump found; frame count not cross-checked")
        }
    }
}

// MARK: - Per-scenario expectations

/// What each scenario's live capture must show, as SocketScope reports it: frames, TCP flags, the board's
/// lwIP-like SYN, sessions, tutorial steps and diagnoses.
enum ScenarioChecks {
    static func tcp(_ r: FrameRecord) -> [String: Any]? { r.json["tcp"] as? [String: Any] }
    static func flags(_ r: FrameRecord) -> [String] { tcp(r)?["flags"] as? [String] ?? [] }
    static func step(_ r: FrameRecord) -> [String: Any]? { r.json["step"] as? [String: Any] }
    static func source(_ r: FrameRecord) -> String? { (r.json["ip"] as? [String: Any])?["src"] as? String }

    static func check(_ scenario: String, _ records: [FrameRecord]) {
        // Every frame has a tutorial step.
        #expect(records.allSatisfy { step($0) != nil }, "\(scenario): a frame without a step")
        switch scenario {
        case "http-get":
            #expect(records.count >= 10, "http-get: only \(records.count) frames")
            let syn = records.first { flags($0) == ["SYN"] }
            #expect(syn.flatMap(source) == "192.168.4.2", "the board sends the SYN")
            #expect(syn.flatMap { tcp($0)?["mss"] as? Int } == 536, "the board's SYN carries MSS 536")
            #expect(syn.flatMap { ($0.json["ip"] as? [String: Any])?["ttl"] as? Int } == 255, "TTL 255")
            #expect(syn.flatMap(step)?["id"] as? String == "connect")
            let ids = records.compactMap { step($0)?["id"] as? String }
            for id in ["connect", "send", "recv", "close"] { #expect(ids.contains(id), "http-get: no \(id) step") }
            // HTTP/1.0: the server's FIN comes before the board's.
            let fins = records.filter { flags($0).contains("FIN") }.compactMap(source)
            #expect(fins.first == "192.168.4.1", "the server closes first: \(fins)")
            #expect(records.contains { ($0.json["http"] as? [String: Any])?["request"] != nil }, "the GET is seen")
        case "refused":
            #expect(records.count >= 2 && records.count <= 6, "refused: \(records.count) frames")
            let reset = records.last { flags($0).contains("RST") }
            #expect(reset.flatMap(source) == "192.168.4.1", "the server answers with RST")
            #expect(reset.flatMap(step)?["id"] as? String == "connect", "the RST belongs to connect")
        case "udp-echo":
            #expect(records.count >= 6, "udp-echo: \(records.count) frames")
            let ids = Set(records.compactMap { step($0)?["id"] as? String })
            #expect(ids.contains("sendto") && ids.contains("recvfrom"), "udp-echo steps: \(ids)")
        default:
            #expect(records.count > 0)
        }
    }

    /// The diagnoses `socketscope sessions` must (and must not) give for a live recording.
    static func checkDiagnosis(_ scenario: String, _ ids: Set<String>) {
        switch scenario {
        case "http-get", "udp-echo": #expect(ids.isEmpty, "\(scenario) is clean, yet: \(ids)")
        case "refused": #expect(ids == ["refused"], "refused: \(ids)")
        default: break
        }
    }
}

// MARK: - Tests

@Suite("Captures lab (live, network namespaces)", .serialized)
struct LabTests {
    @Test("record a lab scenario with socketscope live, read it back",
          .enabled(if: Lab.liveEnabled, "needs root, `ip netns`, python3, nft, dnsmasq, ethtool and the socketscope binary"),
          arguments: ["http-get", "refused", "udp-echo"])
    func scenario(_ name: String) throws {
        let lab = Lab.uniqueName()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("labtests-\(lab)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("\(name).pcap").path
        let env = ["SOCKETSCOPE": Lab.socketscope, "CAPTURE_TOOL": "socketscope"]

        // Always tear down, whatever happens below.
        defer { _ = try? Lab.run([Lab.labScript, "down", lab]) }
        let up = try Lab.run([Lab.labScript, "up", lab], env: env)
        try #require(up.status == 0, "lab.sh up failed: \(up.stderr)")
        let rec = try Lab.run([Lab.labScript, "run", lab, name, file], env: env)
        try #require(rec.status == 0, "lab.sh run \(name) failed: \(rec.stderr)")
        let down = try Lab.run([Lab.labScript, "down", lab])
        #expect(down.status == 0, "lab.sh down failed: \(down.stderr)")

        let report = try Report.read(file)
        #expect(report.status == 0, "socketscope read failed: \(report.stderr)")
        try Report.expectValid(file, report.records, badLines: report.badLines)
        ScenarioChecks.check(name, report.records)
        let sessions = try Lab.run([Lab.socketscope, "sessions", file, "--format", "json"])
        #expect(sessions.status == 0)
        var diagnoses: Set<String> = []
        for line in sessions.stdout.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            let findings = object["diagnosis"] as? [[String: Any]]
                ?? (object["capture"] as? [String: Any])?["diagnosis"] as? [[String: Any]] ?? []
            for finding in findings { diagnoses.insert(finding["id"] as? String ?? "?") }
        }
        ScenarioChecks.checkDiagnosis(name, diagnoses)
    }

    @Test("a program that outlives its deadline is killed and reported, not waited for")
    func hungProgramIsKilled() throws {
        let sleep = try #require(Lab.which("sleep"))
        let started = Date()
        let r = try Lab.run([sleep, "60"], deadline: 0.5)
        #expect(Date().timeIntervalSince(started) < 10, "run waited for the whole sleep")
        #expect(r.status == -1)
        #expect(r.stderr.contains("still running after 0 s; killed"), "stderr: \(r.stderr)")
        let quick = try Lab.run([sleep, "0"], deadline: 30)
        #expect(quick.status == 0 && quick.stderr.isEmpty)
    }

    @Test("the committed synthetic capture reads back frame by frame",
          .enabled(if: Lab.binaryEnabled, "needs the socketscope binary"))
    func syntheticCapture() throws {
        let file = Lab.capturesDir + "/http-get-synthetic.pcap"
        let report = try Report.read(file)
        #expect(report.status == 0, "socketscope read failed: \(report.stderr)")
        try Report.expectValid(file, report.records, badLines: report.badLines)
        #expect(report.records.count == 17, "the synthetic http-get has 17 frames")
    }

    @Test("the synthetic capture generator is deterministic and matches the committed file",
          .enabled(if: Lab.which("python3") != nil, "needs python3"))
    func syntheticGenerator() throws {
        let out = FileManager.default.temporaryDirectory
            .appendingPathComponent("labtests-synth-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let py = try #require(Lab.which("python3"))
        let r = try Lab.run([py, Lab.capturesDir + "/synth/make_synthetic.py", out])
        try #require(r.status == 0, "make_synthetic.py failed: \(r.stderr)")
        let made = FileManager.default.contents(atPath: out)
        let committed = FileManager.default.contents(atPath: Lab.capturesDir + "/http-get-synthetic.pcap")
        #expect(made != nil && made == committed, "regenerated synthetic capture differs from the committed one")
    }
}
