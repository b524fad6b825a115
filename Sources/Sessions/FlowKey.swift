import Wire

/// The transport protocols the session layer tracks.
public enum TransportProtocol: UInt8, Sendable, Hashable {
    case tcp = 6
    case udp = 17

    /// "tcp" or "udp", as `sessions --format json` prints it.
    public var name: String { self == .tcp ? "tcp" : "udp" }
}

/// One end of a transport conversation: an address and a port.
public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: UInt16

    public init(ip: IPAddress, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        lhs.ip == rhs.ip ? lhs.port < rhs.port : lhs.ip < rhs.ip
    }

    /// "192.0.2.1:80", or "[2001:db8::1]:80" for IPv6.
    public var description: String { ip.isV4 ? "\(ip):\(port)" : "[\(ip)]:\(port)" }
}

/// Which way a frame travelled within a session.
public enum Direction: UInt8, Sendable, Hashable {
    case clientToServer = 0
    case serverToClient = 1

    public var reversed: Direction { self == .clientToServer ? .serverToClient : .clientToServer }
    /// Index into two-element per-direction storage.
    @inlinable public var index: Int { Int(rawValue) }
}

/// A bidirectional 5-tuple, normalised so that A→B and B→A give the same key: `low` is the smaller endpoint.
/// The direction of one frame is `FlowKey.make(...)`'s second result.
public struct FlowKey: Sendable, Hashable, CustomStringConvertible {
    public let proto: TransportProtocol
    public let low: Endpoint
    public let high: Endpoint

    /// Builds the key for a frame from `source` to `destination`; `sourceIsLow` tells which end sent it.
    @inlinable
    public static func make(proto: TransportProtocol, source: Endpoint, destination: Endpoint) -> (key: FlowKey, sourceIsLow: Bool) {
        if source < destination || source == destination {
            return (FlowKey(proto: proto, low: source, high: destination), true)
        }
        return (FlowKey(proto: proto, low: destination, high: source), false)
    }

    @usableFromInline
    init(proto: TransportProtocol, low: Endpoint, high: Endpoint) {
        self.proto = proto
        self.low = low
        self.high = high
    }

    public var description: String { "\(proto.name) \(low) <-> \(high)" }
}

/// Ports below this are "well known" (IANA system ports); used to guess the server when no SYN was seen.
let wellKnownPortLimit: UInt16 = 1024

/// Guesses which of two endpoints is the client when no SYN was seen: the side with the non-well-known port,
/// else the side with the higher (more ephemeral-looking) port. Returns true when `a` looks like the client.
func guessIsClient(_ a: Endpoint, comparedTo b: Endpoint) -> Bool {
    let aWellKnown = a.port < wellKnownPortLimit, bWellKnown = b.port < wellKnownPortLimit
    if aWellKnown != bWellKnown { return bWellKnown }
    if a.port != b.port { return a.port > b.port }
    return true
}
