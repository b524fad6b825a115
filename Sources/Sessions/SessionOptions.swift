/// Limits and timeouts of the session layer. Every peer-controlled quantity has a cap here. Times are packet
/// time (capture timestamps, nanoseconds), never the wall clock, so replays are deterministic.
public struct SessionOptions: Sendable {
    /// Sessions (TCP and UDP) tracked at once; beyond it the longest-idle session is ended ("evicted").
    public var maxFlows = 100_000
    /// Out-of-order bytes one TCP direction may buffer.
    public var maxReassemblyBytesPerFlow = 1 << 20
    /// Out-of-order bytes all flows together may buffer.
    public var maxReassemblyBytesTotal = 64 << 20
    /// Out-of-order segments one TCP direction may buffer.
    public var maxOutOfOrderSegmentsPerFlow = 256
    /// Recently delivered bytes kept per direction to tell whether a retransmission carried different bytes.
    public var overlapCheckBytes = 4096
    /// A TCP session with no frame for this long ends (Zeek's tcp_inactivity_timeout, 5 min).
    public var tcpIdleTimeoutNanoseconds: Int64 = 300_000_000_000
    /// A TCP session that closed (RST, or both FINs acknowledged) is reported this long after its last frame
    /// (Zeek's tcp_close_delay, 5 s), so trailing ACKs still count toward it.
    public var tcpClosedLingerNanoseconds: Int64 = 5_000_000_000
    /// A UDP session with no frame for this long ends (Zeek's udp_inactivity_timeout, 1 min).
    public var udpIdleTimeoutNanoseconds: Int64 = 60_000_000_000
    /// DNS queries awaiting an answer, over all flows.
    public var maxPendingDNSQueries = 4096
    /// Addresses from recent DNS answers remembered for linking a later connection to its lookup.
    public var maxRememberedDNSAddresses = 4096
    /// How long a DNS answer counts as "recent" for that link.
    public var dnsLinkWindowNanoseconds: Int64 = 600_000_000_000
    /// HTTP transactions kept per session (the rest are counted, not kept).
    public var maxHTTPTransactionsPerSession = 1000
    /// DNS transactions kept in full per session; later ones are counted (`SessionSummary.dnsNotKept`). Small
    /// because a board's DNS session lives as long as the board (one source port per boot).
    public var maxDNSTransactionsPerSession = SessionOptions.defaultMaxDNSTransactionsPerSession
    public static let defaultMaxDNSTransactionsPerSession = 128
    /// Whether HTTP bodies are hashed (`HTTPTransaction.bodySHA256`, `requestBodySHA256`). Hashing is most of the
    /// session layer's work on a capture full of bodies; outputs that never print a digest turn it off.
    public var httpBodyDigests = true

    public init() {}
}
