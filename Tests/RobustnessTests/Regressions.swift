import Capture
import Foundation
import Render
import Testing

/// One test per fuzz finding, named after what it found. Each keeps the input that exposed the bug (built here,
/// or a file of the shared corpus) and checks the fixed behaviour.
@Suite("Regressions from fuzzing")
struct Regressions {
    /// Finding (Fuzz/out/findings/pcap, then reduced by hand): pcapng timestamps are 64-bit, so
    /// `Frame.timeNanoseconds` wrapped past Int64 and `SessionTracker.expire` trapped on `now - lastTime`
    /// (arithmetic overflow) in `read` and `sessions`. Fixed in Capture/Frame.swift: times clamp to ±(2^62 - 1) ns.
    static func wrappingTimestamps() -> PcapngFile {
        var file = PcapngFile(linkType: 228)
        let syn = Packet.tcp(source: Packet.client, destination: Packet.server, sourcePort: 1234, destinationPort: 80,
                             seq: 1, ack: 0, flags: 0x02)
        let ack = Packet.tcp(source: Packet.client, destination: Packet.server, sourcePort: 1234, destinationPort: 80,
                             seq: 2, ack: 0, flags: 0x10)
        file.add(syn, timestamp: UInt64(Int64.max) - 10)  // 2262, just below Int64's limit in nanoseconds
        file.add(ack, timestamp: UInt64.max - 1000)        // seconds × 1e9 wraps
        file.add(ack, timestamp: 5)                        // back to 1970
        return file
    }

    @Test func pcapngTimestampsThatWrapInt64DoNotTrapTheSessionTracker() throws {
        let url = try Self.wrappingTimestamps().write("wrapping-timestamps.pcapng")
        let outcome = InProcess.run(url.path)
        #expect(outcome.frames == 3)
        #expect(outcome.badJSON == nil, "\(outcome.badJSON ?? "")")
        for command in [["read", "--format", "json"], ["sessions", "--format", "json"], ["read"], ["sessions"]] {
            let run = Robustness.run(command + [url.path])
            #expect(run.status == 0, "\(command): \(run.verdict)")
            #expect(Robustness.jsonObjects(run).bad == nil || !command.contains("json"))
        }
    }

    @Test func frameTimesClampInsteadOfWrapping() {
        func time(_ seconds: Int64, _ nanos: UInt32 = 999_999_999) -> Int64 {
            Frame(number: 1, seconds: seconds, nanoseconds: nanos, originalLength: 0, linkType: 1, bytes: []).timeNanoseconds
        }
        #expect(time(Int64.max) == (1 << 62) - 1)
        #expect(time(Int64.min) == -(1 << 62) + 1)
        #expect(time(18_446_744_073) == (1 << 62) - 1)
        #expect(time(1_700_000_000, 5) == 1_700_000_000_000_000_005)
        #expect(time(-1, 0) == -1_000_000_000)
        // Any two clamped times subtract, and add a timeout, without overflow.
        _ = time(Int64.max) - time(Int64.min)
    }

    /// Finding (Fuzz/out/findings/pcap/crash-f25fa1fc…, the first 64 KiB of pcapplusplus/pcapng-example.pcapng):
    /// `sessions --format json` printed `"start":-505.-425287000` for times before 1970 (there, wrapped ones):
    /// not JSON. Fixed in Render/SessionReport.swift: the sign goes first, then the magnitude.
    @Test func negativeSessionTimesAreOneJSONNumber() throws {
        #expect(SessionReport.epoch(-505_425_287_000) == "-505.425287000")
        #expect(SessionReport.epoch(-1) == "-0.000000001")
        #expect(SessionReport.epoch(1_422_527_998_578_402_281) == "1422527998.578402281")
        for value in [Int64.min, -1, 0, Int64.max] {
            let text = "[" + SessionReport.epoch(value) + "]"
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "\(text)")
        }
        let file = Robustness.corpus.appendingPathComponent("pcapplusplus/pcapng-example.pcapng")
        try #require(FileManager.default.fileExists(atPath: file.path))
        let run = Robustness.run(["sessions", "--format", "json", file.path])
        #expect(run.status == 0, "\(run.verdict)")
        #expect(Robustness.jsonObjects(run).bad == nil)
    }
}
