import Wire

/// What the user said on the command line (`--board IP|MAC`).
public enum BoardOverride: Sendable, Hashable, CustomStringConvertible {
    case ip(IPAddress)
    case mac(MACAddress)

    /// Parses `192.168.4.2` or `5c:cf:7f:a1:b2:c3`; nil for anything else.
    public init?(_ text: String) {
        if let ip = IPAddress(text) {
            self = .ip(ip)
        } else if let mac = MACAddress(text) {
            self = .mac(mac)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .ip(let ip): return ip.description
        case .mac(let mac): return mac.description
        }
    }
}

/// One reason to believe an endpoint is the board.
public enum BoardEvidence: Sendable, Hashable {
    /// `--board` named it.
    case override(BoardOverride)
    /// A frame came from a MAC address in one of Espressif's blocks (docs/ESP8266.md §3).
    case espressifMAC(MACAddress, EspressifOUI.Match, frame: Int)
    /// A DHCP request carried one of the SDK's or MicroPython's default hostnames (option 12).
    case dhcpHostname(String, frame: Int)
    /// A SYN (or SYN-ACK) looked like lwIP's: TTL 255, only an MSS option, lwIP's window.
    case lwIPFingerprint(LWIPFingerprint, frame: Int)

    /// Machine name: "option", "espressif-mac", "dhcp-hostname", "lwip-fingerprint".
    public var kind: String {
        switch self {
        case .override: return "option"
        case .espressifMAC: return "espressif-mac"
        case .dhcpHostname: return "dhcp-hostname"
        case .lwIPFingerprint: return "lwip-fingerprint"
        }
    }

    /// The frame that showed it (nil for the command-line option).
    public var frame: Int? {
        switch self {
        case .override: return nil
        case .espressifMAC(_, _, let frame), .dhcpHostname(_, let frame), .lwIPFingerprint(_, let frame): return frame
        }
    }

    /// One plain sentence (without a final period). Hostnames come from the network: escape before printing.
    public var reason: String {
        switch self {
        case .override(let value):
            return "named with --board \(value)"
        case .espressifMAC(let mac, let match, let frame):
            let prefix = mac.bytes.prefix(3).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined(separator: ":")
            switch match {
            case .registered:
                return "MAC \(mac) has Espressif's prefix \(prefix) (frame \(frame))"
            case .locallyAdministered:
                return "MAC \(mac) is an Espressif prefix with the locally-administered bit set, as on the "
                    + "ESP8266's access-point interface (frame \(frame))"
            }
        case .dhcpHostname(let name, let frame):
            return "its DHCP request names it \"\(name)\", a default ESP8266/MicroPython hostname (frame \(frame))"
        case .lwIPFingerprint(let print, let frame):
            return "its \(print.synAck ? "SYN-ACK" : "SYN") looks like lwIP's: \(print.summary) (frame \(frame))"
        }
    }
}

/// The lwIP SYN fingerprint fields that matched (docs/ESP8266.md §3, "IP/TCP fingerprint").
public struct LWIPFingerprint: Sendable, Hashable {
    public var ttl: UInt8
    public var mss: UInt16
    public var window: UInt16
    public var sourcePort: UInt16
    public var sequenceNumber: UInt32
    /// The fingerprint was on a SYN-ACK (the board is a server).
    public var synAck: Bool

    /// lwIP's first ISN is 6509 and later ones are only a little larger (tcp_next_iss: 6510 + ticks).
    public var sequenceNearLWIP: Bool { sequenceNumber >= 6509 && sequenceNumber < 6509 + 1_000_000 }

    /// "TTL 255, only an MSS option (536), window 2144, source port 7134 (below 32768)".
    public var summary: String {
        var text = "TTL \(ttl), only an MSS option (\(mss)), window \(window)"
        if !synAck { text += ", source port \(sourcePort) (below 32768)" }
        if sequenceNearLWIP { text += ", first sequence number \(sequenceNumber) (lwIP starts at 6509)" }
        return text
    }
}

/// The endpoint SocketScope believes is the board, and why.
public struct BoardIdentity: Sendable, Hashable {
    /// The board's MAC address, once known.
    public var mac: MACAddress?
    /// The board's IP address, once known (learned from its frames after the MAC decided, or the other way).
    public var ip: IPAddress?
    /// Why: the first entry decided; later entries of other kinds agree with it (at most one per kind).
    public var evidence: [BoardEvidence]

    public init(mac: MACAddress? = nil, ip: IPAddress? = nil, evidence: [BoardEvidence]) {
        self.mac = mac
        self.ip = ip
        self.evidence = evidence
    }

    /// The frame at which the board was decided (nil when named on the command line).
    public var decidedAtFrame: Int? { evidence.first?.frame }

    /// "192.168.4.2 (5c:cf:7f:a1:b2:c3)", or whichever half is known.
    public var label: String {
        switch (ip, mac) {
        case let (ip?, mac?): return "\(ip) (\(mac))"
        case let (ip?, nil): return ip.description
        case let (nil, mac?): return mac.description
        case (nil, nil): return "unknown"
        }
    }

    /// Every reason, joined into one sentence ending with a period. Escape before printing to a terminal.
    public var reason: String {
        evidence.map(\.reason).joined(separator: "; ") + "."
    }
}

/// Which side of a session the board is on.
public enum BoardSide: String, Sendable, Hashable {
    case client
    case server
    /// The board is known and is neither endpoint.
    case neither
    /// No board identified: lessons assume the program is the client.
    case unknown
}
