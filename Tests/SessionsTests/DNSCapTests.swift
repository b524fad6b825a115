import Testing
import Wire
@testable import Sessions

/// A board's DNS session (one source port per boot) can live for hours: it keeps its first
/// `maxDNSTransactionsPerSession` transactions and only counts the rest, so memory does not grow with the capture.
@Suite("DNS transactions past the per-session cap")
struct DNSCapTests: DNSFixtures {
    /// `count` lookups of "n<i>.lan" on one UDP session, each answered 5 ms later with 10.0.0.1.
    func lookups(_ h: Harness, count: Int, from first: Int = 0) {
        for index in first..<first + count {
            let id = UInt16(index % 256)
            h.udp(from: board, to: resolver, dns: query(id, "n\(index).lan"), after: 1000)
            h.udp(from: resolver, to: board, dns: answer(id, "n\(index).lan", address: .v4(0x0a00_0001)), after: 5)
        }
    }

    @Test("the default cap is the named constant, and a long DNS session keeps exactly that many")
    func defaultCap() throws {
        #expect(SessionOptions().maxDNSTransactionsPerSession == SessionOptions.defaultMaxDNSTransactionsPerSession)
        #expect(SessionOptions.defaultMaxDNSTransactionsPerSession == 128)
        let h = Harness(collectEnded: true)
        lookups(h, count: 1000)
        let dns = try #require(h.finish().first { $0.proto == .udp })
        #expect(dns.dns.count == 128)
        #expect(dns.dns.last?.name == "n127.lan")
        #expect(dns.dnsNotKept.transactions == 872 && dns.dnsNotKept.answered == 872)
        #expect(dns.dnsTransactionCount == 1000)
        #expect(dns.anomalies.contains("dns_cap"))
    }

    @Test("past the cap: counted by outcome, resent queries once, annotated and linked as before")
    func pastTheCap() throws {
        var options = SessionOptions()
        options.maxDNSTransactionsPerSession = 2
        let h = Harness(options: options, collectEnded: true)
        lookups(h, count: 2)
        #expect(h.tracker.pendingDNSCount == 0)
        // Third lookup: past the cap. Resent once, then answered; the frames still carry the transaction.
        let first = h.udp(from: board, to: resolver, dns: query(7, "late.lan"), after: 1000)
        let resent = h.udp(from: board, to: resolver, dns: query(7, "late.lan"), after: 1000)
        #expect(first.dns?.queryFrame == 5 && resent.dns?.queryFrame == 5)
        let late = h.udp(from: resolver, to: board, dns: answer(7, "late.lan", address: .v4(0x0a00_0001)), after: 20)
        #expect(late.dns?.queryFrame == 5 && late.dns?.responseFrame == 7)
        #expect(late.dns?.latencyNanoseconds == 1_020_000_000)
        h.udp(from: board, to: resolver, dns: query(8, "typo.lan"), after: 10)
        h.udp(from: resolver, to: board, dns: answer(8, "typo.lan", rcode: 3), after: 5)
        h.udp(from: board, to: resolver, dns: query(9, "silent.lan"), after: 10)
        h.udp(from: resolver, to: board, dns: answer(200, "unasked.lan", address: .v4(0x0a00_0008)), after: 10)
        #expect(h.tracker.pendingDNSCount == 1)
        // A connection to the address of a lookup past the cap still links to it.
        h.tcp(true, seq: 1000, .syn)
        let summaries = h.finish()
        #expect(h.tracker.pendingDNSCount == 0)
        let dns = try #require(summaries.first { $0.proto == .udp })
        #expect(dns.dns.map(\.name) == ["n0.lan", "n1.lan"])
        let tally = dns.dnsNotKept
        #expect(tally.transactions == 4)  // late, typo, silent, unasked
        #expect(tally.answered == 3 && tally.errors == 1 && tally.unanswered == 1)
        #expect(tally.firstFrame == 5 && tally.lastFrame == 11)
        #expect(dns.dnsTransactionCount == 6)
        #expect(dns.anomalies == ["dns_cap"])
        let tcp = try #require(summaries.first { $0.proto == .tcp })
        #expect(tcp.dnsLookup?.name == "late.lan" && tcp.dnsLookup?.queryFrame == 5)
    }

    @Test("under the cap nothing changes: no tally, no anomaly")
    func underTheCap() throws {
        let h = Harness(collectEnded: true)
        lookups(h, count: 128)
        let dns = try #require(h.finish().first { $0.proto == .udp })
        #expect(dns.dns.count == 128)
        #expect(dns.dnsNotKept == DNSTally())
        #expect(dns.anomalies.isEmpty)
    }
}
