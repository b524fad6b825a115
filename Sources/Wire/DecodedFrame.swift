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
    @Boxed public var arp: ARPPacket?
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
    @Boxed public var icmp: ICMPMessage?

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
    @Boxed public var dns: DNSMessage?
    @Boxed public var dhcp: DHCPMessage?
    /// An HTTP/1.x start line (and headers) beginning at the start of this frame's payload.
    @Boxed public var http: HTTPHead?

    /// Why decoding stopped before the end of the frame, if it did.
    @Boxed public var stoppedAt: WireError?
    /// The field records, when decoded with a recorder (explain); empty on the fast path.
    public var fields: [Field] = []

    public init(linkType: UInt32) { self.linkType = linkType }

    // Presence tests that do not copy the layer out of its box.
    public var hasHTTP: Bool { $http }
    public var hasDNS: Bool { $dns }
    public var hasDHCP: Bool { $dhcp }
    public var hasARP: Bool { $arp }
}

/// A layer most frames lack (`@Boxed`), kept behind one reference: a frame is copied several times on its way
/// through the pipeline, and inline these layers made it several hundred bytes with a dozen fields to retain per
/// copy. Setting the property replaces the box, so the frame keeps value semantics. `$layer` says whether the
/// layer is there without copying it out.
@propertyWrapper
public struct Boxed<Value: Sendable>: Sendable {
    private var box: LayerBox<Value>?

    public init(wrappedValue: Value?) { box = wrappedValue.map(LayerBox.init) }

    public var wrappedValue: Value? {
        get { box?.value }
        set { box = newValue.map(LayerBox.init) }
    }

    public var projectedValue: Bool { box != nil }
}

/// An immutable heap copy of a value.
final class LayerBox<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
