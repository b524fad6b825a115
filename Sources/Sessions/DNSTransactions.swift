import Wire

/// Recent DNS answers, for linking a later connection to the lookup that produced its address.
/// Bounded: at most `capacity` addresses, oldest forgotten first.
struct DNSAddressBook {
    private var entries: [IPAddress: (link: DNSLink, time: Int64)] = [:]
    private var order: [IPAddress] = []
    private var orderStart = 0
    let capacity: Int
    let window: Int64

    init(capacity: Int, window: Int64) {
        self.capacity = max(1, capacity)
        self.window = window
    }

    mutating func remember(_ address: IPAddress, link: DNSLink, time: Int64) {
        if entries.updateValue((link, time), forKey: address) != nil { return }
        if order.count < capacity {
            order.append(address)
        } else {
            // Ring: overwrite the oldest slot, forgetting its address.
            entries.removeValue(forKey: order[orderStart])
            order[orderStart] = address
            orderStart = (orderStart + 1) % capacity
        }
    }

    func lookup(_ address: IPAddress, at time: Int64) -> DNSLink? {
        guard let entry = entries[address], time >= entry.time, time - entry.time <= window else { return nil }
        return entry.link
    }
}

/// What `SessionState.pendingDNS` holds for a query awaiting its answer: the transaction's index in
/// `SessionState.dns`, or, for a transaction past the session's cap (`maxDNSTransactionsPerSession`), which is
/// counted but not kept, the query's frame as `-1 - frame`.
enum DNSPendingSlot {
    static func notKept(queryFrame: Int) -> Int { -1 - max(0, queryFrame) }
    static func queryFrame(_ slot: Int) -> Int? { slot < 0 ? -1 - slot : nil }
}

extension SessionTracker {
    /// Pairs DNS messages by id within their session; returns the transaction this frame started or completed.
    /// A session keeps its first `maxDNSTransactionsPerSession` transactions; later ones are paired the same way
    /// (for the frame's annotation and the address book) but only counted (`DNSTally`), and the session is marked
    /// `dns_cap`: a board's DNS port can stay open for hours.
    func handleDNS(_ message: DNSMessage, session: SessionState, frame number: Int, time: Int64) -> DNSTransaction? {
        let question = message.questions.first
        let keep = session.dns.count < options.maxDNSTransactionsPerSession
        if !message.isResponse {
            if let slot = session.pendingDNS[message.id] {  // a resent query
                if let queryFrame = DNSPendingSlot.queryFrame(slot) {
                    return DNSTransaction(
                        id: message.id, name: question?.name ?? "", type: question?.type ?? 0, rcode: nil, answers: [],
                        addresses: [], queryFrame: queryFrame, responseFrame: nil, latencyNanoseconds: nil,
                        session: session.id)
                }
                return slot < session.dns.count ? session.dns[slot] : nil
            }
            let transaction = DNSTransaction(
                id: message.id, name: question?.name ?? "", type: question?.type ?? 0, rcode: nil, answers: [],
                addresses: [], queryFrame: number, responseFrame: nil, latencyNanoseconds: nil, session: session.id)
            if pendingDNSCount < options.maxPendingDNSQueries {
                session.pendingDNS[message.id] = keep ? session.dns.count : DNSPendingSlot.notKept(queryFrame: number)
                session.dnsQueryTimes[message.id] = time
                pendingDNSCount += 1
            }
            if keep { session.dns.append(transaction) } else { countNotKept(transaction, in: session) }
            return transaction
        }
        var transaction: DNSTransaction
        var index: Int?
        var counted = false  // a query past the cap, already counted when it was seen
        if let slot = session.pendingDNS.removeValue(forKey: message.id) {
            pendingDNSCount -= 1
            if let queryFrame = DNSPendingSlot.queryFrame(slot) {
                counted = true
                transaction = DNSTransaction(
                    id: message.id, name: question?.name ?? "", type: question?.type ?? 0, rcode: nil, answers: [],
                    addresses: [], queryFrame: queryFrame, responseFrame: nil, latencyNanoseconds: nil,
                    session: session.id)
            } else if slot < session.dns.count {
                index = slot
                transaction = session.dns[slot]
            } else {
                return nil
            }
        } else {
            if session.dns.contains(where: { $0.id == message.id && $0.responseFrame != nil }) { return nil }
            transaction = DNSTransaction(
                id: message.id, name: question?.name ?? "", type: question?.type ?? 0, rcode: nil, answers: [],
                addresses: [], queryFrame: nil, responseFrame: nil, latencyNanoseconds: nil, session: session.id)
        }
        transaction.rcode = message.rcode
        transaction.responseFrame = number
        transaction.answers = message.answers.map(\.data)
        transaction.addresses = message.answers.compactMap(\.address)
        if transaction.queryFrame != nil, let queryTime = session.dnsQueryTimes.removeValue(forKey: message.id) {
            transaction.latencyNanoseconds = time - queryTime
        }
        if let index {
            session.dns[index] = transaction
        } else if counted {
            answerNotKept(transaction, in: session)
        } else if keep {
            session.dns.append(transaction)
        } else {
            countNotKept(transaction, in: session)
            answerNotKept(transaction, in: session)
        }
        let link = DNSLink(name: transaction.name, queryFrame: transaction.queryFrame,
                           responseFrame: number, dnsSession: session.id)
        for address in transaction.addresses { dnsAddresses.remember(address, link: link, time: time) }
        return transaction
    }

    /// A transaction past the session's cap: marked on the session, and tallied where the session keeps a tally
    /// (UDP, where a board's one DNS port lives; DNS over TCP is one short connection per lookup).
    private func countNotKept(_ transaction: DNSTransaction, in session: SessionState) {
        session.note("dns_cap")
        guard let udp = session as? UDPSession else { return }
        udp.dnsNotKept.count(transaction)
    }

    private func answerNotKept(_ transaction: DNSTransaction, in session: SessionState) {
        guard let udp = session as? UDPSession else { return }
        udp.dnsNotKept.answer(transaction)
    }
}
