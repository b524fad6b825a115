import Wire

/// A finished DNS query/response pair (or an unanswered query, or an unsolicited response).
public struct DNSTransaction: Sendable, Hashable {
    public var id: UInt16
    /// The first question's name ("" if the message had none).
    public var name: String
    /// The first question's type (1 = A).
    public var type: UInt16
    /// Response code, nil while unanswered.
    public var rcode: UInt8?
    /// Answer records as text ("192.0.2.1"), in order.
    public var answers: [String]
    /// Addresses from A/AAAA answers.
    public var addresses: [IPAddress]
    public var queryFrame: Int?
    public var responseFrame: Int?
    /// Response time minus query time, nanoseconds.
    public var latencyNanoseconds: Int64?
    /// The session (UDP or TCP) the messages travelled in.
    public var session: Int

    /// "A", "AAAA"…
    public var typeName: String { DNSMessage.typeName(type) }
    /// "NOERROR", "NXDOMAIN"… (nil while unanswered).
    public var rcodeName: String? { rcode.map(DNSMessage.rcodeName) }
}

/// The DNS transactions of a session past the ones it keeps (`SessionOptions.maxDNSTransactionsPerSession`):
/// counted by outcome, not kept.
public struct DNSTally: Sendable, Hashable {
    /// Transactions not kept: queries, and responses to no query seen in the session.
    public var transactions = 0
    /// Of those, how many got a response (any response code).
    public var answered = 0
    /// Of the answered, how many with an error code (NXDOMAIN, SERVFAIL…).
    public var errors = 0
    /// First and last frame of the transactions not kept.
    public var firstFrame: Int?
    public var lastFrame: Int?

    public init() {}

    /// Queries never answered in the session (so far).
    public var unanswered: Int { transactions - answered }

    mutating func count(_ transaction: DNSTransaction) {
        transactions += 1
        guard let frame = transaction.queryFrame ?? transaction.responseFrame else { return }
        if firstFrame == nil { firstFrame = frame }
        lastFrame = max(lastFrame ?? frame, frame)
    }

    mutating func answer(_ transaction: DNSTransaction) {
        answered += 1
        if transaction.rcode != 0 { errors += 1 }
        if let frame = transaction.responseFrame { lastFrame = max(lastFrame ?? frame, frame) }
    }
}

/// The DNS lookup that produced the address a connection went to.
public struct DNSLink: Sendable, Hashable {
    public var name: String
    public var queryFrame: Int?
    public var responseFrame: Int?
    public var dnsSession: Int
}

/// One HTTP request/response exchange on a TCP session.
public struct HTTPTransaction: Sendable, Hashable {
    public var method: String?
    public var uri: String?
    public var version: String?
    public var host: String?
    public var status: Int?
    public var reason: String?
    /// The frame that completed the request's head.
    public var requestFrame: Int?
    /// The frame that completed the response's head.
    public var responseFrame: Int?
    /// Response body bytes (after de-chunking).
    public var bodyLength: Int64?
    /// SHA-256 of the response body, lower-case hex.
    public var bodySHA256: String?
    public var chunked: Bool
    /// A line ended with a bare LF.
    public var bareLF: Bool
    /// The parser rejected a message of this exchange.
    public var malformed: Bool
    /// The capture ended (or the connection closed) before the exchange completed.
    public var unfinished: Bool
    /// Exchange number in its session, from 1, in request order (0 when built by hand).
    public var index: Int = 0
    /// The response's HTTP version ("HTTP/1.0"); `version` is the request's.
    public var responseVersion: String?
    /// Which final (non-1xx) response of the session this is, from 1: the index `onHTTPBody` reports.
    public var responseIndex: Int?
    /// Status of the last interim (1xx) response before the final one, e.g. 100 (Continue).
    public var interimStatus: Int?
    /// Request body bytes after de-chunking; nil when the request had no body framing at all.
    public var requestBodyLength: Int64?
    /// SHA-256 of a non-empty request body, lower-case hex (nil if bytes were missing).
    public var requestBodySHA256: String?
    /// The request body was chunked.
    public var requestChunked = false
    /// Body bytes (request and response) the capture never held; a body with missing bytes has no SHA-256.
    public var bodyMissingBytes: Int64 = 0
    /// Why the exchange is `malformed` or `unfinished`, in words.
    public var problem: String?

    public init(method: String? = nil, uri: String? = nil, version: String? = nil, host: String? = nil,
                status: Int? = nil, reason: String? = nil, requestFrame: Int? = nil, responseFrame: Int? = nil,
                bodyLength: Int64? = nil, bodySHA256: String? = nil, chunked: Bool = false, bareLF: Bool = false,
                malformed: Bool = false, unfinished: Bool = false) {
        self.method = method
        self.uri = uri
        self.version = version
        self.host = host
        self.status = status
        self.reason = reason
        self.requestFrame = requestFrame
        self.responseFrame = responseFrame
        self.bodyLength = bodyLength
        self.bodySHA256 = bodySHA256
        self.chunked = chunked
        self.bareLF = bareLF
        self.malformed = malformed
        self.unfinished = unfinished
    }
}

/// The SYN as sent, for stack fingerprinting (lwIP: MSS 536 only, window 2144, TTL 255).
public struct SYNFingerprint: Sendable, Hashable {
    public var frame: Int
    public var ttl: UInt8?
    public var window: UInt16
    public var options: TCPOptions
    public var dontFragment: Bool
}

/// Per-direction counters; `client`/`server` name the sender.
public struct DirectionCounts: Sendable, Hashable {
    public var client: Int64 = 0
    public var server: Int64 = 0
    public init() {}
    public subscript(_ direction: Direction) -> Int64 {
        get { direction == .clientToServer ? client : server }
        set { if direction == .clientToServer { client = newValue } else { server = newValue } }
    }

    /// These counts with `count` added to `direction`'s.
    func adding(_ count: Int64, to direction: Direction) -> DirectionCounts {
        var counts = self
        if direction == .clientToServer { counts.client += count } else { counts.server += count }
        return counts
    }
}

/// A frame number and the side that sent it.
public struct SideEvent: Sendable, Hashable {
    public var frame: Int
    public var direction: Direction
}

/// Why a session was reported.
public enum SessionEndReason: String, Sendable, Hashable {
    /// The connection closed (RST, or both FINs acknowledged) and lingered its closing delay.
    case closed
    /// No frame for the idle timeout.
    case idle
    /// Evicted to respect `maxFlows`.
    case evicted
    /// A new connection (SYN with a new ISN) took over the same ports.
    case replaced
    /// End of capture (`finish()`).
    case endOfCapture = "end_of_capture"
}

/// Everything known about one session once it ends: what `sessions --format json` prints and what the
/// lessons layer needs.
public struct SessionSummary: Sendable {
    public var id: Int
    public var proto: TransportProtocol
    public var client: Endpoint
    public var server: Endpoint
    /// No SYN was seen: the client is a guess (SYN-ACK direction, else ports).
    public var clientGuessed: Bool
    /// Zeek conn_state.
    public var state: ZeekConnState
    /// Zeek history letters.
    public var history: String
    /// Time of the first and last frame, nanoseconds since the epoch.
    public var startNanoseconds: Int64
    public var endNanoseconds: Int64
    public var firstFrame: Int
    public var lastFrame: Int
    public var frameCount: Int
    /// Frames sent by each side.
    public var packets: DirectionCounts
    /// Payload bytes each side delivered (TCP: reassembled, each byte once; UDP: datagram payloads).
    public var bytes: DirectionCounts
    /// Payload bytes as seen on the wire, retransmissions included.
    public var wireBytes: DirectionCounts
    /// TCP bytes never captured (content gaps), both directions.
    public var missedBytes: Int64
    /// SYN to the ACK of the SYN-ACK, seconds (Wireshark's tcp.analysis.initial_rtt); nil without a handshake.
    public var handshakeRTT: Double?
    /// First SYN to SYN-ACK, seconds (the server's share of the handshake as seen from the capture point).
    public var synToSynAck: Double?
    /// HTTP exchanges, in request order (at most `SessionOptions.maxHTTPTransactionsPerSession`).
    public var http: [HTTPTransaction]
    /// DNS transactions, in order: the first `SessionOptions.maxDNSTransactionsPerSession`; `dnsNotKept` counts
    /// the rest.
    public var dns: [DNSTransaction]
    /// The DNS lookup whose answer gave the server address, if one was seen recently.
    public var dnsLookup: DNSLink?
    /// Short machine names: "reused_ports", "overlap_mismatch", "evicted", "reassembly_cap"…
    public var anomalies: [String]
    /// Final RFC states of both ends (TCP).
    public var clientState: TCPState?
    public var serverState: TCPState?
    public var firstFIN: SideEvent?
    public var firstRST: SideEvent?
    /// Frames with a zero window advertisement, by the side that advertised it.
    public var zeroWindowFrames: DirectionCounts
    public var firstZeroWindowFrame: Int?
    /// Retransmission-family labels (retransmission, fast, spurious) by sender.
    public var retransmissions: DirectionCounts
    /// Every analysis label seen in the session.
    public var analysisSeen: TCPAnalysisFlags
    public var duplicateAcks: DirectionCounts
    public var synFingerprint: SYNFingerprint?
    public var synAckFingerprint: SYNFingerprint?
    /// Number of SYNs the client sent (retries of an unanswered connect show up here).
    public var synCount: Int
    public var endReason: SessionEndReason
    /// HTTP exchanges seen in the session, including those beyond the cap that `http` does not keep.
    public var httpTransactionCount = 0
    /// DNS transactions past `dns` (UDP sessions; a TCP session past the cap only has the `dns_cap` anomaly).
    public var dnsNotKept = DNSTally()
    /// DNS transactions seen in the session, kept or not.
    public var dnsTransactionCount: Int { dns.count + dnsNotKept.transactions }

    /// Start and end in seconds since the epoch.
    public var start: Double { Double(startNanoseconds) / 1e9 }
    public var end: Double { Double(endNanoseconds) / 1e9 }
    public var duration: Double { Double(endNanoseconds - startNanoseconds) / 1e9 }
}

/// What the session layer says about one frame (for `read`).
public struct FrameAnnotation: Sendable {
    /// Session number, nil for frames that belong to no TCP/UDP session.
    public var session: Int?
    public var proto: TransportProtocol?
    public var direction: Direction?
    /// Sequence and acknowledgement numbers relative to each side's first sequence number (Wireshark's).
    public var relativeSequence: UInt32?
    public var relativeAcknowledgement: UInt32?
    /// Relative sequence number after this segment (tcp.nxtseq), nil when the segment takes no sequence space.
    public var nextRelativeSequence: UInt32?
    /// Transport payload length (including bytes the capture cut off).
    public var payloadLength: Int = 0
    public var analysis: TCPAnalysisFlags = []
    /// tcp.analysis.duplicate_ack_num and _frame when `analysis` has `.duplicateAck`.
    public var duplicateAckNumber: Int?
    public var duplicateAckFrame: Int?
    /// RFC states of both ends after this frame.
    public var clientState: TCPState?
    public var serverState: TCPState?
    /// The handshake RTT, on the frame that completed the handshake (seconds).
    public var initialRTT: Double?
    /// An overlapping retransmission in this frame carried bytes different from the first copy.
    public var overlapMismatch = false
    /// DNS transaction completed (response paired) or started (query) by this frame.
    public var dns: DNSTransaction?
    /// HTTP exchanges whose request or response head this frame completed, each as it stood at that moment:
    /// the frame completed the request head when `requestFrame` is this frame, the response head (final, or
    /// interim 1xx with `status` < 200) when `responseFrame` is.
    public var http: [HTTPTransaction] = []

    public init() {}
}
