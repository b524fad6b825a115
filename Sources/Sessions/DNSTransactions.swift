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

extension SessionTracker {
    /// Pairs DNS messages by id within their session; returns the transaction this frame started or completed.
    func handleDNS(_ message: DNSMessage, session: SessionState, frame number: Int, time: Int64) -> DNSTransaction? {
        let question = message.questions.first
        if !message.isResponse {
            if let index = session.pendingDNS[message.id] { return session.dns[index] }  // a resent query
            guard session.dns.count < options.maxDNSTransactionsPerSession else { return nil }
            let transaction = DNSTransaction(
                id: message.id, name: question?.name ?? "", type: question?.type ?? 0, rcode: nil, answers: [],
                addresses: [], queryFrame: number, responseFrame: nil, latencyNanoseconds: nil, session: session.id)
            if pendingDNSCount < options.maxPendingDNSQueries {
                session.pendingDNS[message.id] = session.dns.count
                session.dnsQueryTimes[message.id] = time
                pendingDNSCount += 1
            }
            session.dns.append(transaction)
            return transaction
        }
        var transaction: DNSTransaction
        var index: Int?
        if let pending = session.pendingDNS.removeValue(forKey: message.id) {
            pendingDNSCount -= 1
            index = pending
            transaction = session.dns[pending]
        } else {
            if session.dns.contains(where: { $0.id == message.id && $0.responseFrame != nil }) { return nil }
            guard session.dns.count < options.maxDNSTransactionsPerSession else { return nil }
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
        if let index { session.dns[index] = transaction } else { session.dns.append(transaction) }
        let link = DNSLink(name: transaction.name, queryFrame: transaction.queryFrame,
                           responseFrame: number, dnsSession: session.id)
        for address in transaction.addresses { dnsAddresses.remember(address, link: link, time: time) }
        return transaction
    }
}
