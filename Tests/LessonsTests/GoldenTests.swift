import Foundation
import Lessons
import Testing

/// Every lab capture's steps and diagnoses against a golden file reviewed by hand against the program that made
/// it (Captures/programs/*.py) and tshark's view of the capture. `UPDATE_GOLDEN=1` rewrites them (then review
/// the diff line by line).
@Suite struct GoldenTests {
    @Test(arguments: Paths.allCaptures)
    func capture(_ name: String) throws {
        let run = try LessonRun.run(path: Paths.capture(name))
        let base = String(name.dropLast(".pcap".count))
        let url = Paths.fixtures.appendingPathComponent(base + ".golden")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] != nil {
            try FileManager.default.createDirectory(at: Paths.fixtures, withIntermediateDirectories: true)
            try run.golden.write(to: url, atomically: true, encoding: .utf8)
            try run.explained.write(to: Paths.fixtures.appendingPathComponent(base + ".explained"), atomically: true,
                                    encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(run.golden == expected, "\(name): steps differ from \(url.lastPathComponent)")
    }

    @Test func everyCaptureHasAGolden() {
        #expect(Paths.allCaptures.count >= 17)
    }

    /// A first pass over the file changes nothing for lab captures: their board MAC shows in frame 1.
    @Test(arguments: ["http-get.pcap", "tcp-server.pcap", "wifi-join.pcap"])
    func prescanAgrees(_ name: String) throws {
        let streaming = try LessonRun.run(path: Paths.capture(name))
        let prescanned = try LessonRun.run(path: Paths.capture(name), prescan: true)
        #expect(streaming.golden == prescanned.golden)
    }
}
