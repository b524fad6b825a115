import Sessions
import Wire

/// The network around the sockets: ARP steps, DNS answers and listening ports remembered for inferred steps,
/// and the capture-wide findings (`host-unreachable`, `capture-blind`). Every table is capped (`LessonOptions`).
///
/// Its tables are `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): only this class's methods use them, and
/// no access to one spans a call that could reach it again.
final class NetworkLesson {
    let options: LessonOptions

    /// ARP requests from the board not answered yet, by the address asked for.
    @exclusivity(unchecked) private var pendingARP: [IPAddress: (frames: FrameList, time: Int64)] = [:]
    /// DNS answers with no packet to the address yet, by address.
    @exclusivity(unchecked) private var unusedAnswers: [IPAddress: (frame: Int, time: Int64, name: String)] = [:]
    /// Addresses some DNS answer gave (ring of `maxRememberedAnswers`).
    @exclusivity(unchecked) private var answered: Set<IPAddress> = []
    @exclusivity(unchecked) private var answeredOrder: [IPAddress] = []
    @exclusivity(unchecked) private var answeredNext = 0
    /// Listening endpoints already shown with socket/bind/listen.
    @exclusivity(unchecked) private var listeners: Set<Endpoint> = []

    @exclusivity(unchecked) private var frames = 0
    @exclusivity(unchecked) private var unicastSeen = false
    @exclusivity(unchecked) private var broadcastFrames = FrameList()
    @exclusivity(unchecked) private var lastTime: Int64 = 0

    init(options: LessonOptions) {
        self.options = options
    }

    func observe(_ frame: DecodedFrame, number: Int, time: Int64, fromBoard: Bool, toBoard: Bool, boardKnown: Bool) {
        frames += 1
        lastTime = time
        if !unicastSeen {
            let unicast: Bool
            if let mac = frame.destinationMAC {
                unicast = !mac.isBroadcast && !mac.isMulticast
            } else if let ip = frame.destinationIP {
                unicast = !isBroadcastOrMulticast(ip)
            } else {
                unicast = true  // no addresses to judge by: do not call the capture blind
            }
            if unicast, !boardKnown || fromBoard || toBoard {
                unicastSeen = true
            } else if !unicast, broadcastFrames.count < options.maxBlindFrames {
                broadcastFrames.add(number)
            }
        }
        if let arp = frame.arp {
            if fromBoard, arp.kind == .request {
                if var entry = pendingARP[arp.targetIP] {
                    entry.frames.add(number)
                    pendingARP[arp.targetIP] = entry
                } else if pendingARP.count < options.maxPendingARP {
                    var list = FrameList()
                    list.add(number)
                    pendingARP[arp.targetIP] = (list, time)
                }
            } else if arp.kind == .reply || arp.kind == .gratuitous {
                pendingARP.removeValue(forKey: arp.senderIP)
            }
            return
        }
        if !pendingARP.isEmpty, let source = frame.sourceIP { pendingARP.removeValue(forKey: source) }
        if !unusedAnswers.isEmpty, let destination = frame.destinationIP {
            unusedAnswers.removeValue(forKey: destination)
        }
        if let dns = frame.dns, dns.isResponse, dns.rcode == 0 {
            let name = dns.questions.first?.name ?? ""
            for record in dns.answers {
                guard let address = record.address else { continue }
                remember(address)
                if unusedAnswers[address] == nil, unusedAnswers.count < options.maxRememberedAnswers {
                    unusedAnswers[address] = (number, time, name)
                }
            }
        }
    }

    private func remember(_ address: IPAddress) {
        guard !answered.contains(address) else { return }
        let capacity = max(1, options.maxRememberedAnswers)
        if answeredOrder.count < capacity {
            answeredOrder.append(address)
        } else {
            answered.remove(answeredOrder[answeredNext])
            answeredOrder[answeredNext] = address
            answeredNext = (answeredNext + 1) % capacity
        }
        answered.insert(address)
    }

    /// Whether a DNS answer gave this address (so getaddrinfo() sent a query rather than answering locally).
    func wasAnswered(_ address: IPAddress) -> Bool { answered.contains(address) }

    /// True the first time a connection to this listening endpoint is seen.
    func firstConnection(to endpoint: Endpoint) -> Bool {
        guard !listeners.contains(endpoint) else { return false }
        if listeners.count < options.maxListeners { listeners.insert(endpoint) }
        return true
    }

    // MARK: Steps

    func arpStep(_ arp: ARPPacket, fromBoard: Bool, toBoard: Bool, boardKnown: Bool) -> Step {
        if boardKnown, !fromBoard, !toBoard {
            return LessonTracker.other(nil, .notBoard, boardKnown: boardKnown)
        }
        return Step(session: nil, role: .network, id: .wifiJoin,
                    event: .arp(arp.kind, target: arp.targetIP, sender: arp.senderIP),
                    fromBoard: boardKnown ? fromBoard : arp.kind != .reply, boardKnown: boardKnown)
    }

    // MARK: Findings

    func finish(boardKnown: Bool) -> [Finding] {
        var out: [Finding] = []
        for (target, entry) in pendingARP.sorted(by: { ($0.value.frames.first ?? 0) < ($1.value.frames.first ?? 0) })
        where entry.frames.count >= 2 || lastTime - entry.time >= options.unansweredARPNanoseconds {
            out.append(Finding(
                id: .hostUnreachable, session: nil, frames: entry.frames.frames,
                error: MicroPythonError.ehostunreach + " from s.connect(addr), or " + MicroPythonError.econnaborted
                    + " / " + MicroPythonError.etimedout + " once connect() gives up",
                cause: "nobody answered the board's ARP for \(target) (\(entry.frames.count) request"
                    + "\(entry.frames.count == 1 ? "" : "s")): that host is off, or not on the board's network.",
                advice: "Check the address (is the server on the same Wi-Fi? is it switched on?); for an address "
                    + "outside the network, check the gateway the board got from DHCP.",
                lesson: "the tutorial's connect() sends a SYN right after the ARP answer; here the ARP for "
                    + "\(target) at frame \(entry.frames.first ?? 0) got no answer and no SYN followed."))
        }
        for (address, entry) in unusedAnswers.sorted(by: { $0.value.frame < $1.value.frame })
        where lastTime - entry.time >= options.unusedAnswerNanoseconds {
            out.append(Finding(
                id: .hostUnreachable, session: nil, frames: [entry.frame],
                error: MicroPythonError.ehostunreach + " from s.connect(addr) (nothing is sent)",
                cause: "the lookup of \(entry.name) answered \(address), but the board never sent anything there: "
                    + "connect() failed before sending (the Wi-Fi link or DHCP was not up yet), or the program "
                    + "stopped after the lookup.",
                advice: "Wait until wlan.isconnected() is True (and ifconfig() shows an address) before connecting; "
                    + "print the exception your program gets.",
                lesson: "the tutorial connects right after getaddrinfo(); here no packet went to \(address) in the "
                    + "\(TCPDiagnosis.seconds(lastTime - entry.time)) s after the answer at frame \(entry.frame)."))
        }
        if frames > 0, !unicastSeen {
            out.append(Finding(
                id: .captureBlind, session: nil, frames: broadcastFrames.frames,
                error: "nothing to compare: the capture holds only broadcast and multicast frames",
                cause: "the capture was made where the board's own conversations do not pass: on Wi-Fi a PC sees "
                    + "other stations' unicast frames only in monitor mode, and a switch forwards them only to "
                    + "their port.",
                advice: "Capture on the access point or router (tcpdump -i br-lan, or its packet-capture page), on "
                    + "the server the board talks to, or with a monitor-mode adapter on the board's channel "
                    + "(WPA traffic then needs the passphrase and the board's join).",
                lesson: "the tutorial's lessons need the board's unicast frames (its SYN, the server's answers); "
                    + "here \(broadcastFrames.count) frames were all broadcast or multicast."))
        }
        return out
    }

    /// `dns-failure` for the lookups of one DNS session that never got an address.
    static func dnsFindings(_ summary: SessionSummary) -> [Finding] {
        var succeeded: Set<String> = []
        for transaction in summary.dns where transaction.rcode == 0 && !transaction.addresses.isEmpty {
            succeeded.insert(transaction.name.lowercased())
        }
        var failed: [DNSTransaction] = []
        for transaction in summary.dns where !succeeded.contains(transaction.name.lowercased()) {
            guard transaction.queryFrame != nil else { continue }  // a response nobody asked for here
            failed.append(transaction)
        }
        guard let first = failed.first else { return uncountedFailures(summary) }
        var frames: [Int] = []
        for transaction in failed {
            if let query = transaction.queryFrame { frames.append(query) }
            if let response = transaction.responseFrame { frames.append(response) }
        }
        frames.sort()
        let name = first.name
        let cause: String
        let lesson: String
        if let rcode = first.rcode, let response = first.responseFrame {
            if rcode == 3 {
                cause = "the DNS server says \(name) does not exist (NXDOMAIN): a typo, or a name only your PC "
                    + "knows (its hosts file, a .local name; the ESP8266 has no mDNS)."
            } else if rcode == 0 {
                cause = "the DNS server knows \(name) but has no IPv4 address (A record) for it."
            } else {
                cause = "the DNS server failed to look up \(name) (\(DNSMessage.rcodeName(rcode)))."
            }
            lesson = "the tutorial's getaddrinfo() gets an address back; here the answer at frame \(response) says "
                + (rcode == 0 ? "no address" : DNSMessage.rcodeName(rcode)) + "."
        } else {
            cause = "the DNS server \(summary.server.ip) never answered the query for \(name): wrong DNS server "
                + "from DHCP, no route to it, or the Wi-Fi link dropped."
            lesson = "the tutorial's getaddrinfo() gets an answer within milliseconds; here the query at frame "
                + "\(first.queryFrame ?? 0) got none."
        }
        return [Finding(
            id: .dnsFailure, session: summary.id, frames: frames,
            error: MicroPythonError.dnsFailed + " from socket.getaddrinfo() (a raw lwIP value, not an errno)",
            cause: cause,
            advice: "Check the spelling; try the server's IP address instead of its name; check the DNS server the "
                + "board got (wlan.ifconfig()[3]).",
            lesson: lesson)]
    }

    /// Failed lookups among the transactions a long-lived DNS session counted but did not keep (past
    /// `SessionOptions.maxDNSTransactionsPerSession`): their names are gone, their number is not.
    static func uncountedFailures(_ summary: SessionSummary) -> [Finding] {
        let tally = summary.dnsNotKept
        let failures = tally.errors + tally.unanswered
        guard failures > 0, let firstFrame = tally.firstFrame else { return [] }
        let kept = summary.dns.count
        return [Finding(
            id: .dnsFailure, session: summary.id, frames: [firstFrame, tally.lastFrame ?? firstFrame],
            error: MicroPythonError.dnsFailed + " from socket.getaddrinfo() (a raw lwIP value, not an errno)",
            cause: "\(failures) of the \(tally.transactions) DNS lookups after the first \(kept) of this session failed "
                + "(\(tally.errors) answered with an error, \(tally.unanswered) never answered); only the first \(kept) "
                + "are kept, so their names are not listed.",
            advice: "Check the names the program looks up and the DNS server the board got (wlan.ifconfig()[3]); "
                + "looking a name up once and keeping the address saves the lookups.",
            lesson: "the tutorial's getaddrinfo() gets an address back; here \(failures) lookups did not.")]
    }
}
