import Sessions
import Testing
@testable import Lessons

/// A board's DNS session outlives the transactions it keeps (`SessionOptions.maxDNSTransactionsPerSession`):
/// lookups that fail after those are still diagnosed, from their count.
@Suite("DNS failures past the kept transactions")
struct DNSCapLessonTests {
    static func lookups(_ count: Int, failingFrom firstFailure: Int) -> [RawFrame] {
        let base: Int64 = 1_700_000_000_000_000_000
        var frames: [RawFrame] = []
        for index in 0..<count {
            let id = UInt16(index), name = "host\(index).lab", fails = index >= firstFailure
            let time = base + Int64(index) * 10_000_000
            frames.append(RawFrame(bytes: Craft.udp(from: .board, to: .server, sourcePort: 4096, destinationPort: 53,
                                                    payload: Craft.dns(id: id, name: name), ttl: 255),
                                   timeNanoseconds: time))
            let answer = Craft.dns(id: id, name: name, response: true, rcode: fails ? 3 : 0,
                                   answer: fails ? nil : [192, 168, 4, 9])
            frames.append(RawFrame(bytes: Craft.udp(from: .server, to: .board, sourcePort: 53, destinationPort: 4096,
                                                    payload: answer),
                                   timeNanoseconds: time + 1_000_000))
        }
        return frames
    }

    @Test func failuresAfterTheKeptOnesAreDiagnosed() {
        let kept = SessionOptions.defaultMaxDNSTransactionsPerSession
        let run = LessonRun.run(frames: Self.lookups(kept + 5, failingFrom: kept + 2))
        let finding = run.findings.first { $0.id == .dnsFailure }
        #expect(finding != nil)
        #expect(finding?.cause.contains("3 of the 5 DNS lookups after the first \(kept)") == true)
        // The frames span the transactions that were counted, not kept.
        #expect(finding?.frames == [2 * kept + 1, 2 * (kept + 5)])
    }

    @Test func noFailureNoFinding() {
        let kept = SessionOptions.defaultMaxDNSTransactionsPerSession
        let run = LessonRun.run(frames: Self.lookups(kept + 5, failingFrom: kept + 5))
        #expect(!run.findingIDs.contains(.dnsFailure))
    }
}
