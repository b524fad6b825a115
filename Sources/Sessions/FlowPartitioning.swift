import Wire

// What a flow-partitioned pipeline needs from the session layer: several `SessionTracker`s each follow the
// flows of their own share of address pairs (`numbersSessionsByFirstFrame`, `advanceClock`), and one merger,
// seeing every frame in capture order, turns their provisional session numbers into the usual 1, 2, 3… and links
// connections to DNS lookups made on other workers' flows.

extension FrameAnnotation {
    /// Replaces every session number in the annotation (its own, its DNS transaction's).
    public mutating func renumberSessions(_ number: (Int) -> Int) {
        session = session.map(number)
        if let dnsSession = dns?.session { dns?.session = number(dnsSession) }
    }
}

extension SessionSummary {
    /// Replaces every session number in the summary (its id, its DNS transactions', its lookup's).
    public mutating func renumberSessions(_ number: (Int) -> Int) {
        id = number(id)
        for index in dns.indices { dns[index].session = number(dns[index].session) }
        if let dnsSession = dnsLookup?.dnsSession { dnsLookup?.dnsSession = number(dnsSession) }
    }
}

/// The DNS answers seen so far over all flows, for linking each new connection to the lookup that gave its
/// server's address — the same rule, window and capacity as inside one `SessionTracker`, kept by the merger
/// because a lookup and its connection may live on different workers.
public struct DNSLinkBook {
    private var book: DNSAddressBook

    public init(options: SessionOptions) {
        book = DNSAddressBook(capacity: options.maxRememberedDNSAddresses, window: options.dnsLinkWindowNanoseconds)
    }

    /// Records the answer a frame completed (`transaction` as annotated on frame `number`, already renumbered).
    public mutating func record(_ transaction: DNSTransaction, frame number: Int, time: Int64) {
        guard transaction.responseFrame == number, !transaction.addresses.isEmpty else { return }
        let link = DNSLink(name: transaction.name, queryFrame: transaction.queryFrame, responseFrame: number,
                           dnsSession: transaction.session)
        for address in transaction.addresses { book.remember(address, link: link, time: time) }
    }

    /// The lookup that answered `server` within the window before `time`.
    public func lookup(_ server: IPAddress, at time: Int64) -> DNSLink? { book.lookup(server, at: time) }
}
