/// A checksum's verdict.
public enum ChecksumStatus: String, Sendable, Hashable {
    case good
    case bad
    /// Not checked: the bytes it covers were not all captured, or the field is optional and zero (UDP over IPv4).
    case unchecked
    /// Zero or wrong on a frame the capturing machine sent itself: the NIC fills it in later (checksum offload).
    case offloaded
}

/// Everything decoded from one frame. Layers that did not decode are nil; `stoppedAt` says why decoding stopped
/// early (nil when every byte was accounted for).
public struct DecodedFrame: Sendable {
    public var linkType: UInt32

    // Link layer
    public var sourceMAC: MACAddress?
    public var destinationMAC: MACAddress?
    /// The EtherType (or SLL protocol) of the network layer, after any VLAN tags.
    public var etherType: UInt16?
    public var vlanIDs: [UInt16] = []

    // Network layer
    public var arp: ARPPacket? {
        get { arpBox?.value }
        set { arpBox = newValue.map(LayerBox.init) }
    }
    public var sourceIP: IPAddress?
    public var destinationIP: IPAddress?
    /// IPv4 TTL or IPv6 hop limit.
    public var ttl: UInt8?
    /// IPv4 identification (nil for IPv6).
    public var ipID: UInt16?
    /// IPv4 protocol or IPv6 final next header.
    public var ipProtocol: UInt8?
    public var dontFragment = false
    /// True when this frame is a fragment (not the whole datagram).
    public var isFragment = false
    /// Where the IPv4 header starts in the frame (what an `IPv4Reassembler` is fed from).
    public var networkOffset: Int?
    public var ipChecksum: ChecksumStatus?
    public var icmp: ICMPMessage? {
        get { icmpBox?.value }
        set { icmpBox = newValue.map(LayerBox.init) }
    }

    // Transport layer
    public var tcp: TCPHeader?
    public var udp: UDPHeader?
    public var transportChecksum: ChecksumStatus?

    /// The transport payload's absolute byte range in the frame (captured bytes only).
    public var payloadOffset = 0
    public var payloadLength = 0
    /// Payload bytes the length fields promise but the capture lacks (snaplen).
    public var payloadMissing = 0

    // Application layer (within this one frame)
    public var dns: DNSMessage? {
        get { dnsBox?.value }
        set { dnsBox = newValue.map(LayerBox.init) }
    }
    public var dhcp: DHCPMessage? {
        get { dhcpBox?.value }
        set { dhcpBox = newValue.map(LayerBox.init) }
    }
    /// An HTTP/1.x start line (and headers) beginning at the start of this frame's payload.
    public var http: HTTPHead? {
        get { httpBox?.value }
        set { httpBox = newValue.map(LayerBox.init) }
    }

    /// Why decoding stopped before the end of the frame, if it did.
    public var stoppedAt: WireError? {
        get { stoppedAtBox?.value }
        set { stoppedAtBox = newValue.map(LayerBox.init) }
    }
    /// The field records, when decoded with a recorder (explain); empty on the fast path.
    public var fields: [Field] = []

    // The layers most frames lack, one reference each: a frame is copied several times on its way through
    // the pipeline, and inline these made it several hundred bytes with a dozen fields to retain per copy.
    private var arpBox: LayerBox<ARPPacket>?
    private var icmpBox: LayerBox<ICMPMessage>?
    private var dnsBox: LayerBox<DNSMessage>?
    private var dhcpBox: LayerBox<DHCPMessage>?
    private var httpBox: LayerBox<HTTPHead>?
    private var stoppedAtBox: LayerBox<WireError>?

    public init(linkType: UInt32) { self.linkType = linkType }

    // Presence tests that do not copy the layer out of its box.
    public var hasHTTP: Bool { httpBox != nil }
    public var hasDNS: Bool { dnsBox != nil }
    public var hasDHCP: Bool { dhcpBox != nil }
    public var hasARP: Bool { arpBox != nil }
}

/// An immutable heap copy of a value: setting the property replaces the box, so `DecodedFrame` keeps value
/// semantics.
final class LayerBox<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
