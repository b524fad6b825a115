import Capture
import Foundation
import Lessons
import Render
import Testing
@testable import socketscope

/// With two or more workers, a worker writes what it can of its frames' lines only while the merger is behind
/// (`LinePreparation.balanced`); a line no worker prepared, the merger writes whole. Which of the two happens depends
/// on timing, so both are forced here: every line must be the one-thread line either way.
@Suite("threads: lines prepared by the workers or written whole by the merger are the same")
struct LinePreparationTests {
    /// `read` run in this process, its output written to a file and read back.
    static func read(_ path: String, _ arguments: [String], threads: Int,
                     preparation: LinePreparation = .balanced) throws -> [UInt8] {
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("line-preparation-\(UUID().uuidString).out").path
        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(output)
        }
        let options = try FrameOutputOptions.parse(arguments)
        let detector = FrameAnalyzer.detectBoard(in: [path], override: options.boardOption.override)
        let pipeline = FramePipeline(options: options, sink: OutputSink(fd: fd), grouped: true, detector: detector,
                                     threads: threads)
        pipeline.linePreparation = preparation
        try? pipeline.read(files: [path])
        pipeline.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    /// The first line where two outputs differ, both ways, for the failure message.
    static func firstDifference(_ split: [UInt8], _ single: [UInt8]) -> String {
        let a = String(decoding: split, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let b = String(decoding: single, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) {
            let left = index < a.count ? String(a[index]) : "(none)"
            let right = index < b.count ? String(b[index]) : "(none)"
            if left != right { return "line \(index + 1): \(left.prefix(300)) | one thread: \(right.prefix(300))" }
        }
        return "no line differs"
    }

    @Test("JSON and text lines, prepared always or never, on every capture with ascending time")
    func preparedOrWhole() throws {
        var compared = 0
        for path in ThreadsTests.captures {
            // Idle sessions end at the same frame on one tracker and on several workers only while time runs
            // forward (README, Performance); `ThreadsTests` checks which captures those are.
            let json = try Self.read(path, ["--format", "json"], threads: 1)
            let lines = String(decoding: json, as: UTF8.self).split(separator: "\n").map(String.init)
            guard ThreadsTests.timestampsAscend(lines) else { continue }
            for arguments in [["--format", "json"], ["--format", "text"]] {
                let single = arguments == ["--format", "json"] ? json : try Self.read(path, arguments, threads: 1)
                for threads in [2, 3] {
                    for preparation in [LinePreparation.always, .never] {
                        let split = try Self.read(path, arguments, threads: threads, preparation: preparation)
                        let same = split == single
                        #expect(same, """
                            \(path) \(arguments) \(threads) workers, \(preparation): \
                            \(Self.firstDifference(split, single))
                            """)
                    }
                }
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    /// The benchmark's lab capture, 20,000 frames (40 batches): made by `Benchmarks/generate.py` once per run.
    static let lab: String? = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("line-preparation-lab.pcap").path
        let generator = CLI.repository.appendingPathComponent("Benchmarks/generate.py").path
        guard let result = try? CLI.run("/usr/bin/env", ["python3", generator, "--frames", "20000", "--out", path]),
              result.status == 0 else { return nil }
        return path
    }()

    @Test("a 20,000-frame lab capture: prepared as the merger keeps up, always, or never, the one-thread output")
    func longCapture() throws {
        let path = try #require(Self.lab, "Benchmarks/generate.py (python3) made no capture")
        for arguments in [["--format", "json"], ["--format", "text"]] {
            let single = try Self.read(path, arguments, threads: 1)
            #expect(single.count > 1_000_000)
            for preparation in [LinePreparation.balanced, .always, .never] {
                let split = try Self.read(path, arguments, threads: 2, preparation: preparation)
                let same = split == single
                #expect(same, "\(arguments) \(preparation): \(Self.firstDifference(split, single))")
            }
        }
    }
}
