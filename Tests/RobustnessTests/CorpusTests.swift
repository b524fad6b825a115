import Foundation
import Sessions
import Testing

/// Every capture of the shared corpus (malformed ones and libpcap's reject tests included), and byte mutations of
/// each made with a fixed seed, go through the whole pipeline: in-process for all of them (fast), and through the
/// built `socketscope` binary for the originals and a few mutants. Nothing may trap, hang or print broken JSON;
/// the binary exits 0 or with a clear error (exit 1 or 2), never by a signal, within 30 s per run (debug build).
@Suite("Corpus and mutants never crash, hang or print broken JSON")
struct CorpusRobustnessTests {
    static let files = Robustness.corpusFiles()
    static let mutantsPerFile = 20
    static let binaryMutantsPerFile = 1
    // 10 s in a release build; the debug binary zero-fills a claimed 8 MB record for seconds on a loaded machine.
    static let perRunTimeout = 30.0

    @Test("the corpus is there") func corpusPresent() {
        #expect(Self.files.count >= 100, "expected the shared corpus at \(Robustness.corpus.path)")
    }

    @Test("in-process: original and 20 seeded mutants", arguments: files)
    func inProcess(_ url: URL) throws {
        let original = try [UInt8](Data(contentsOf: url))
        var seed: UInt64 = 0x50c4_e75c
        for byte in url.lastPathComponent.utf8 { seed = seed &* 31 &+ UInt64(byte) }
        let inputs = [original] + Mutator.mutants(of: original, count: Self.mutantsPerFile, seed: seed)
        for (index, bytes) in inputs.enumerated() {
            let path = Robustness.temporaryFile("mutant-\(index)-\(url.lastPathComponent)")
            try Data(bytes).write(to: path)
            defer { try? FileManager.default.removeItem(at: path) }
            // CPU time of this thread, not wall time: the cases run in parallel and wait for the CPU.
            let start = Robustness.threadCPUSeconds()
            let outcome = InProcess.run(path.path, maxFrames: index == 0 ? 5000 : 1000, explainFrames: index == 0 ? 5000 : 1000)
            let seconds = Robustness.threadCPUSeconds() - start
            let label = index == 0 ? url.lastPathComponent : "\(url.lastPathComponent) mutant \(index) (seed \(seed))"
            #expect(outcome.badJSON == nil, "\(label): \(outcome.badJSON ?? "")")
            #expect(seconds < Self.perRunTimeout, "\(label) took \(seconds) s")
        }
    }

    @Test("binary: read, sessions, explain and follow", arguments: files)
    func binary(_ url: URL) throws {
        let path = url.path
        let name = url.lastPathComponent
        let read = Robustness.run(["read", "--format", "json", path], timeout: Self.perRunTimeout)
        #expect(read.endedCleanly, "\(name) read: \(read.verdict)")
        let frames = Robustness.jsonObjects(read)
        #expect(frames.bad == nil, "\(name) read: bad JSON line \(frames.bad ?? "")")
        let sessions = Robustness.run(["sessions", "--format", "json", path], timeout: Self.perRunTimeout)
        #expect(sessions.endedCleanly, "\(name) sessions: \(sessions.verdict)")
        let summaries = Robustness.jsonObjects(sessions)
        #expect(summaries.bad == nil, "\(name) sessions: bad JSON line \(summaries.bad ?? "")")
        guard read.status == 0 else { return }  // unreadable by design: nothing to explain or follow

        // explain: a sample of frames (first, middle, last and one past the end), both formats. (Every frame's
        // explanation is rendered in-process above: every frame of each file and of each mutant, up to 1000.)
        let numbers = frames.objects.compactMap { $0["frame"] as? Int }
        var sample = Set<Int>()
        if let last = numbers.last {
            sample.formUnion([1, max(1, last / 2), last, last + 1].filter { $0 >= 1 })
        }
        for (k, frame) in sample.sorted().enumerated() {
            let format = k % 2 == 0 ? "text" : "json"
            let explain = Robustness.run(["explain", "--frame", String(frame), "--format", format, path],
                                         timeout: Self.perRunTimeout)
            #expect(explain.endedCleanly, "\(name) explain --frame \(frame): \(explain.verdict)")
            if format == "json", explain.status == 0 {
                #expect((try? JSONSerialization.jsonObject(with: explain.stdout)) != nil,
                        "\(name) explain --frame \(frame) --format json is not valid JSON")
            }
        }
        // follow: the first and last TCP sessions as hex (every session's stream is reassembled in-process above).
        let ids = summaries.objects.filter { $0["proto"] as? String == "tcp" }.compactMap { $0["id"] as? Int }
        let chosen = Set([ids.first, ids.last].compactMap { $0 })
        for id in chosen.sorted() {
            let follow = Robustness.run(["follow", "--session", String(id), "--format", "hex", path],
                                        timeout: Self.perRunTimeout)
            #expect(follow.endedCleanly, "\(name) follow --session \(id): \(follow.verdict)")
        }
    }

    @Test("binary: seeded mutants through read and sessions", arguments: files)
    func binaryMutants(_ url: URL) throws {
        let original = try [UInt8](Data(contentsOf: url))
        var seed: UInt64 = 0xb1_7a41
        for byte in url.lastPathComponent.utf8 { seed = seed &* 31 &+ UInt64(byte) }
        for (index, bytes) in Mutator.mutants(of: original, count: Self.binaryMutantsPerFile, seed: seed).enumerated() {
            let path = Robustness.temporaryFile("bin-mutant-\(index)-\(url.lastPathComponent)")
            try Data(bytes).write(to: path)
            defer { try? FileManager.default.removeItem(at: path) }
            let label = "\(url.lastPathComponent) mutant \(index) (seed \(seed))"
            let read = Robustness.run(["read", "--format", "json", path.path], timeout: Self.perRunTimeout)
            #expect(read.endedCleanly, "\(label) read: \(read.verdict)")
            #expect(Robustness.jsonObjects(read).bad == nil, "\(label) read: bad JSON line")
            let sessions = Robustness.run(["sessions", "--format", "json", path.path], timeout: Self.perRunTimeout)
            #expect(sessions.endedCleanly, "\(label) sessions: \(sessions.verdict)")
            #expect(Robustness.jsonObjects(sessions).bad == nil, "\(label) sessions: bad JSON line")
        }
    }
}
