import Wire

/// Decides which endpoint is the board: from `--board`, else at the first good evidence in the frames — an
/// Espressif MAC prefix, a default ESP8266/MicroPython DHCP hostname, or lwIP's SYN fingerprint
/// (docs/ESP8266.md §3).
///
/// Works on the fly (feed each frame once, in order, and read `board`) or as a first pass over a file (feed every
/// frame, then hand the detector to `LessonTracker` so lessons know the board from the first frame). After it
/// decides it keeps learning the other half of the identity (the IP of a board found by its MAC, the MAC of a
/// board found by its IP) and notes at most one agreeing piece of evidence of each other kind. State is a few
/// words: nothing is kept per frame.
public struct BoardDetector: Sendable {
    public private(set) var board: BoardIdentity?
    /// Whether the board is known: checked for every frame, without copying the identity (and its evidence list)
    /// out of the detector as `board != nil` does.
    public var isDecided: Bool { board != nil }
    /// Whether the board's IP address and MAC are both known. Then which frames are the board's is settled: later
    /// frames can only add evidence to the reason, never change the identity.
    public var knowsBoardAddresses: Bool { board?.ip != nil && board?.mac != nil }
    /// Evidence kinds already recorded (bits: 1 MAC, 2 hostname, 4 fingerprint).
    private var kindsSeen: UInt8 = 0

    /// Most evidence entries kept (the decision plus one agreeing entry of each other kind).
    public static let maxEvidence = 4

    public init(override: BoardOverride? = nil) {
        if let override {
            switch override {
            case .ip(let ip): board = BoardIdentity(ip: ip, evidence: [.override(override)])
            case .mac(let mac): board = BoardIdentity(mac: mac, evidence: [.override(override)])
            }
        }
    }

    /// Looks at one frame. `bytes` (the captured frame) lets DHCP be read when the decoder did not fill
    /// `frame.dhcp`. Returns true when this frame decided the board.
    @discardableResult
    public mutating func feed(_ frame: DecodedFrame, number: Int, bytes: [UInt8]? = nil) -> Bool {
        let decidedBefore = board != nil
        if let mac = frame.sourceMAC, kindsSeen & 1 == 0, let match = EspressifOUI.match(mac) {
            note(.espressifMAC(mac, match, frame: number), mac: mac, ip: nonZero(frame.sourceIP ?? frame.arp?.senderIP))
            kindsSeen |= 1
        } else if let mac = frame.destinationMAC, kindsSeen & 1 == 0, let match = EspressifOUI.match(mac) {
            // A frame to the board (captured on the access point or the peer) names it as well.
            note(.espressifMAC(mac, match, frame: number), mac: mac,
                 ip: nonZero(frame.destinationIP).flatMap { isBroadcastOrMulticast($0) ? nil : $0 })
            kindsSeen |= 1
        }
        if kindsSeen & 2 == 0, frame.udp?.destinationPort == 67,
           let dhcp = frame.dhcp ?? DHCPFallback.message(in: frame, bytes: bytes),
           dhcp.op == 1, let name = dhcp.hostname, Self.isDefaultHostname(name) {
            note(.dhcpHostname(name, frame: number), mac: dhcp.clientMAC, ip: nonZero(frame.sourceIP))
            kindsSeen |= 2
        }
        if kindsSeen & 4 == 0, let tcp = frame.tcp, tcp.flags.contains(.syn), let ttl = frame.ttl,
           let print = Self.fingerprint(tcp, ttl: ttl), let source = frame.sourceIP {
            let mac = frame.sourceMAC.flatMap { EspressifOUI.match($0) != nil ? $0 : nil }
            note(.lwIPFingerprint(print, frame: number), mac: mac, ip: source)
            kindsSeen |= 4
        }
        learn(from: frame, bytes: bytes)
        return !decidedBefore && board != nil
    }

    /// Records evidence: it decides when nothing has, and otherwise is kept only if it names the same board.
    private mutating func note(_ evidence: BoardEvidence, mac: MACAddress?, ip: IPAddress?) {
        guard var current = board else {
            board = BoardIdentity(mac: mac, ip: ip, evidence: [evidence])
            return
        }
        let sameMAC = mac != nil && current.mac == mac
        let sameIP = ip != nil && current.ip == ip
        guard sameMAC || sameIP, current.evidence.count < Self.maxEvidence else { return }
        current.evidence.append(evidence)
        if current.mac == nil { current.mac = mac }
        if current.ip == nil { current.ip = ip }
        board = current
    }

    /// Fills in the half of the identity that is still missing, from frames that can only be the board's.
    private mutating func learn(from frame: DecodedFrame, bytes: [UInt8]?) {
        guard var current = board else { return }
        if current.ip == nil, let mac = current.mac {
            if frame.sourceMAC == mac, let ip = nonZero(frame.sourceIP) {
                current.ip = ip
            } else if let arp = frame.arp, arp.senderMAC == mac, arp.kind != .probe, let ip = nonZero(arp.senderIP) {
                current.ip = ip
            } else if frame.udp?.sourcePort == 67, let dhcp = frame.dhcp ?? DHCPFallback.message(in: frame, bytes: bytes),
                      dhcp.op == 2, dhcp.messageType == 5, dhcp.clientMAC == mac, let ip = nonZero(dhcp.yourIP) {
                current.ip = ip  // DHCPACK: the address the board is about to use
            } else {
                return
            }
            board = current
        } else if current.mac == nil, let ip = current.ip {
            // Only link-local evidence names the MAC: a routed frame carries the router's MAC, not the board's.
            if let arp = frame.arp, arp.senderIP == ip {
                current.mac = arp.senderMAC
            } else if frame.sourceIP == ip, let mac = frame.sourceMAC, EspressifOUI.match(mac) != nil {
                current.mac = mac
            } else {
                return
            }
            board = current
        }
    }

    private func nonZero(_ ip: IPAddress?) -> IPAddress? {
        guard let ip, ip != .v4(0) else { return nil }
        return ip
    }

    // MARK: - Questions

    /// Whether the frame's sender is the board (by IP, else by MAC; ARP by its sender fields).
    public func sentByBoard(_ frame: DecodedFrame) -> Bool {
        guard let board else { return false }
        if let arp = frame.arp { return arp.senderMAC == board.mac || (board.ip != nil && arp.senderIP == board.ip) }
        if let ip = board.ip, let source = frame.sourceIP, source != .v4(0) { return source == ip }
        return board.mac != nil && frame.sourceMAC == board.mac
    }

    /// Whether the frame is addressed to the board (by IP, else by MAC; ARP by its target IP).
    public func addressedToBoard(_ frame: DecodedFrame) -> Bool {
        guard let board else { return false }
        if let arp = frame.arp { return board.ip != nil && arp.targetIP == board.ip || arp.targetMAC == board.mac }
        if let ip = board.ip, let destination = frame.destinationIP, !isBroadcastOrMulticast(destination) {
            return destination == ip
        }
        return board.mac != nil && frame.destinationMAC == board.mac
    }

    /// Whether `endpoint`'s address is the board's.
    public func isBoard(_ ip: IPAddress) -> Bool { board?.ip == ip }

    // MARK: - Rules

    /// Default hostnames (docs/ESP8266.md §3): `ESP_XXXXXX` / `ESP-XXXXXX` (SDK, 6 hex digits), `mpy-esp8266`,
    /// `mpy-esp32…` (MicroPython v1.20+), `espressif` (ESP-IDF).
    public static func isDefaultHostname(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower == "mpy-esp8266" || lower == "espressif" || lower.hasPrefix("mpy-esp32") { return true }
        let utf8 = Array(lower.utf8)
        guard utf8.count == 10, lower.hasPrefix("esp_") || lower.hasPrefix("esp-") else { return false }
        return utf8[4...].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// lwIP's SYN: TTL 255, one option (MSS 536 or 1460), window 2144 or 5840, and for a connect() a source port
    /// below 32768 (`tcp_new_port`: random 1024…32767). Nil when any of these differ.
    public static func fingerprint(_ tcp: TCPHeader, ttl: UInt8) -> LWIPFingerprint? {
        guard ttl == 255, let mss = tcp.options.mss, mss == 536 || mss == 1460,
              tcp.window == 2144 || tcp.window == 5840 else { return nil }
        // Only MSS: NOP and end-of-list padding aside, no other option kind.
        guard tcp.options.kinds.allSatisfy({ $0 == 2 || $0 == 0 || $0 == 1 }),
              tcp.options.kinds.filter({ $0 == 2 }).count == 1 else { return nil }
        let synAck = tcp.flags.contains(.ack)
        if !synAck, tcp.sourcePort >= 32768 { return nil }
        return LWIPFingerprint(ttl: ttl, mss: mss, window: tcp.window, sourcePort: tcp.sourcePort,
                               sequenceNumber: tcp.sequenceNumber, synAck: synAck)
    }
}

/// Broadcast (255.255.255.255, or an all-ones host part we cannot know: only the limited broadcast) or multicast.
func isBroadcastOrMulticast(_ ip: IPAddress) -> Bool {
    switch ip {
    case .v4(let value): return value == 0xffff_ffff || value >> 28 == 0xe
    case .v6(let high, _): return high >> 56 == 0xff
    }
}

/// Reads DHCP from the frame's bytes when the decoder has not (Wire's dispatch to DHCP is still a TODO).
enum DHCPFallback {
    static func message(in frame: DecodedFrame, bytes: [UInt8]?) -> DHCPMessage? {
        guard let bytes, let udp = frame.udp, udp.sourcePort == 67 || udp.sourcePort == 68
                || udp.destinationPort == 67 || udp.destinationPort == 68,
              frame.payloadLength >= DHCPMessage.fixedSize, frame.payloadOffset >= 0,
              frame.payloadLength <= bytes.count - frame.payloadOffset else { return nil }
        var reader = FrameReader(bytes: Array(bytes[frame.payloadOffset..<(frame.payloadOffset + frame.payloadLength)]))
        var partial: DHCPMessage?
        do {
            return try DHCPMessage.decode(&reader, partial: &partial)
        } catch {
            return partial
        }
    }
}
