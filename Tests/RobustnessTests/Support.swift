import Capture
import Foundation
import Render
import Sessions
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Paths, capture writing, and a child-process runner that reports exit status, signal, time and peak memory.
enum Robustness {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus: URL = {
        if let path = ProcessInfo.processInfo.environment["SOCKETSCOPE_CORPUS"] { return URL(fileURLWithPath: path) }
        return repository.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The `socketscope` binary next to the test bundle (any --scratch-path), or SOCKETSCOPE_BIN.
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

    /// Every capture of the shared corpus (sorted), including the malformed ones and libpcap's reject tests.
    static func corpusFiles() -> [URL] {
        guard let walker = FileManager.default.enumerator(at: corpus, includingPropertiesForKeys: nil) else { return [] }
        var files: [URL] = []
        for case let url as URL in walker where ["pcap", "pcapng", "cap"].contains(url.pathExtension) { files.append(url) }
        return files.sorted { $0.path < $1.path }
    }

    static let temporaryDirectory: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("socketscope-robustness-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }()

    static func temporaryFile(_ name: String) -> URL {
        temporaryDirectory.appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)")
    }

    /// CPU seconds used so far by the calling thread.
    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    // MARK: Running the binary

    struct Run {
        var status: Int32?      // exit status, nil when a signal ended it
        var signal: Int32?
        var timedOut: Bool
        var seconds: Double
        /// Peak resident memory of the child (VmHWM, in KiB).
        var peakKiB: Int
        /// What /proc said when the peak was first seen (anonymous, file-backed and shared resident memory, threads,
        /// seconds since the start): tells a peak of the program's own memory from mapped files.
        var peakDetail = ""
        var stdout: Data
        var stderr: String
        var lines: [Substring] { String(decoding: stdout, as: UTF8.self).split(separator: "\n") }

        /// Exit 0, or a clear error: exit 1 or 2 with one short line (or a few) on stderr.
        var endedCleanly: Bool {
            guard !timedOut, signal == nil, let status else { return false }
            if status == 0 { return true }
            return (status == 1 || status == 2) && !stderr.isEmpty && !stderr.contains("Fatal error")
                && !stderr.contains("Backtracing")
        }

        var verdict: String {
            if timedOut { return "timed out after \(seconds) s" }
            if let signal { return "killed by signal \(signal); stderr: \(stderr.prefix(400))" }
            return "exit \(status ?? -1); stderr: \(stderr.prefix(400))"
        }
    }

    /// Runs the binary with stdout and stderr going to files (no pipe can fill up), kills it after `timeout`.
    static func run(_ arguments: [String], timeout: Double = 10) -> Run {
        let out = temporaryFile("stdout"), err = temporaryFile("stderr")
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The child must not spend seconds writing a backtrace, and must not see a terminal.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment["NO_COLOR"] = "1"
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let start = DispatchTime.now()
        guard posix_spawn(&pid, binary, &actions, nil, argv, envp) == 0 else {
            return Run(status: 127, signal: nil, timedOut: false, seconds: 0, peakKiB: 0, stdout: Data(),
                       stderr: "cannot start \(binary)")
        }
        // Peak memory: the child's VmHWM, polled from /proc while it runs. (getrusage's ru_maxrss cannot be used:
        // Linux carries the maximum across exec, so a child spawned by a large test process reports the parent's.)
        var status: Int32 = 0
        var peakKiB = 0
        var peakDetail = ""
        var timedOut = false
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        while true {
            if let (hwm, detail) = memoryStatus(pid), hwm > peakKiB {
                peakKiB = hwm
                peakDetail = detail + "; seen at \(String(format: "%.2f", elapsed())) s"
            }
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { break }
            if elapsed() > timeout, !timedOut {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(1_000)
        }
        let seconds = elapsed()
        let signalled = status & 0x7f != 0 && status & 0x7f != 0x7f
        return Run(status: signalled ? nil : (status >> 8) & 0xff, signal: signalled ? status & 0x7f : nil,
                   timedOut: timedOut, seconds: seconds, peakKiB: peakKiB, peakDetail: peakDetail,
                   stdout: (try? Data(contentsOf: out)) ?? Data(),
                   stderr: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self))
    }

    /// VmHWM (peak resident set, KiB) of a running process, from /proc/PID/status, with the lines that say what
    /// the resident memory is (RssAnon, RssFile, RssShmem, Threads).
    static func memoryStatus(_ pid: pid_t) -> (hwmKiB: Int, detail: String)? {
        let fd = open("/proc/\(pid)/status", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        let lines = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n")
        guard let line = lines.first(where: { $0.hasPrefix("VmHWM:") }),
              let hwm = Int(line.dropFirst(6).filter { $0.isNumber }) else { return nil }
        let detail = lines.filter { ["RssAnon:", "RssFile:", "RssShmem:", "Threads:"].contains(where: $0.hasPrefix) }
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
            .joined(separator: ", ")
        return (hwm, detail)
    }

    /// The first line that is not one valid JSON object (nil: every line is), without keeping the objects.
    static func firstBadJSONLine(_ run: Run) -> String? {
        for line in run.lines {
            let valid = (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) != nil
            if !valid { return String(line.prefix(300)) }
        }
        return nil
    }

    /// Every line is one valid JSON object; returns the objects (or the first bad line).
    static func jsonObjects(_ run: Run) -> (objects: [[String: Any]], bad: String?) {
        var objects: [[String: Any]] = []
        for line in run.lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return (objects, String(line.prefix(300)))
            }
            objects.append(object)
        }
        return (objects, nil)
    }
}
