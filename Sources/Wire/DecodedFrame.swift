/// A checksum's verdict.
public enum ChecksumStatus: String, Sendable, Hashable {
    case good
    case bad
    /// Not checked: the bytes it covers were not all captured, or the field is optional and zero (UDP over IPv4).
    case unchecked
    /// Zero or wrong on a frame the capturing machine sent itself: the NIC fills it in later (checksum offload).
    case offloaded

    /// `rawValue` as a literal (JSON writes it with no escaping pass).
    @inlinable public var name: StaticString {
        switch self {
        case .good: return "good"
        case .bad: return "bad"
        case .unchecked: return "unchecked"
        case .offloaded: return "offloaded"
        }
    }
}

/// Everything decoded from one frame. Layers that did not decode are nil; `stoppedAt` says why decoding stopped
/// early (nil when every byte was accounted for).
///
/// A frame is copied several times on its way through the pipeline, so the common frame (Ethernet, IP, TCP or
/// UDP) holds no references but `fields`: VLAN tags and TCP options are stored inline, and the layers most
/// frames lack share one box that is nil for them.
public struct DecodedFrame: Sendable {
    public var linkType: UInt32

    // Link layer
    public var sourceMAC: MACAddress?
    public var destinationMAC: MACAddress?
    /// The EtherType (or SLL protocol) of the network layer, after any VLAN tags.
    public var etherType: UInt16?
    /// VLAN IDs, outermost first. Setting keeps the first `EthernetHeader.maximumVLANTags`.
    public var vlanIDs: [UInt16] {
        @inlinable get { Array(vlanIDList) }
        set {
            vlanIDList.removeAll()
            for id in newValue { vlanIDList.append(id) }
        }
    }
    /// `vlanIDs` as stored (capacity `EthernetHeader.maximumVLANTags`).
    public internal(set) var vlanIDList = InlineList<4, UInt16>(filler: 0)

    // Network layer
    public var arp: ARPPacket? {
        @inlinable get { present.contains(.arp) ? rare?.layers.arp?.value : nil }
        set {
            let box = Self.box(newValue)
            updateRare(.arp, present: box != nil) { $0.arp = box }
        }
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
        @inlinable get { present.contains(.icmp) ? rare?.layers.icmp?.value : nil }
        set {
            let box = Self.box(newValue)
            updateRare(.icmp, present: box != nil) { $0.icmp = box }
        }
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
        @inlinable get { present.contains(.dns) ? rare?.layers.dns?.value : nil }
        set {
            let box = Self.box(newValue)
            updateRare(.dns, present: box != nil) { $0.dns = box }
        }
    }
    public var dhcp: DHCPMessage? {
        @inlinable get { present.contains(.dhcp) ? rare?.layers.dhcp?.value : nil }
        set {
            let box = Self.box(newValue)
            updateRare(.dhcp, present: box != nil) { $0.dhcp = box }
        }
    }
    /// An HTTP/1.x start line (and headers) beginning at the start of this frame's payload, when decoded with field
    /// records (explain) or set here. The fast path only notes that there is one (`hasHTTP`) and leaves this nil:
    /// read the head with `httpHead(in:)`.
    public var http: HTTPHead? {
        @inlinable get { present.contains(.http) ? rare?.layers.http?.value : nil }
        set {
            let box = Self.box(newValue)
            updateRare(.http, present: box != nil) { $0.http = box }
        }
    }

    /// Why decoding stopped before the end of the frame, if it did.
    public var stoppedAt: WireError? {
        @inlinable get { present.contains(.stoppedAt) ? rare?.layers.stoppedAt?.value : nil }
        set {
            let box = Self.box(newValue)
            updateRare(.stoppedAt, present: box != nil) { $0.stoppedAt = box }
        }
    }
    /// The field records, when decoded with a recorder (explain); empty on the fast path.
    public var fields: [Field] = []

    // Internal but inlinable (as are the getters above): other modules test for and read rare layers on every
    // frame, and a call per test cost more than the test.
    /// The rare layers; nil when the frame has none of them.
    @usableFromInline var rare: RareLayerBox?
    /// Which rare layers are set: presence tests read this, never the box (reading an optional layer out of the
    /// box to compare it with nil copied the whole layer).
    @usableFromInline var present: RareLayerSet = []

    public init(linkType: UInt32) { self.linkType = linkType }

    // Presence tests that do not copy the layer out of its box.
    @inlinable public var hasHTTP: Bool { present.contains(.http) }
    @inlinable public var hasDNS: Bool { present.contains(.dns) }
    @inlinable public var hasDHCP: Bool { present.contains(.dhcp) }
    @inlinable public var hasARP: Bool { present.contains(.arp) }
    @inlinable public var hasICMP: Bool { present.contains(.icmp) }
    /// The HTTP head this frame's payload starts with, from `bytes` (the captured bytes this frame was decoded
    /// from) when the fast path only noted it; nil when the payload does not start with one.
    public func httpHead(in bytes: [UInt8]) -> HTTPHead? {
        if let http { return http }
        guard hasHTTP else { return nil }
        // The reader as the decoder had it at the payload: from its offset, up to its captured end.
        var reader = FrameReader(bytes: bytes)
        guard (try? reader.seek(to: payloadOffset, .http)) != nil else { return nil }
        reader.limit(to: payloadLength, by: "payload")
        return HTTPHead.decode(&reader)
    }

    /// Notes that the payload starts with an HTTP head without reading it (the fast path; see `httpHead(in:)`).
    mutating func noteHTTPHead() { present.insert(.http) }

    /// True when decoding stopped early (`stoppedAt` is set), without copying the error out.
    @inlinable public var hasStopped: Bool { present.contains(.stoppedAt) }

    /// A box for a layer being set, the value moved in (its Strings and arrays are not retained again).
    private static func box<Value>(_ value: consuming Value?) -> LayerBox<Value>? {
        switch consume value {
        case .some(let layer): return LayerBox(layer)
        case .none: return nil
        }
    }

    /// Setting a rare layer replaces the box (it is never mutated in place), so frames keep value semantics.
    private mutating func updateRare(_ layer: RareLayerSet, present isPresent: Bool, _ change: (inout RareLayers) -> Void) {
        if isPresent { present.insert(layer) } else { present.remove(layer) }
        if present.isEmpty {
            rare = nil
            return
        }
        var layers = rare?.layers ?? RareLayers()
        change(&layers)
        rare = RareLayerBox(layers)
    }
}

/// One bit per rare layer.
@usableFromInline
struct RareLayerSet: OptionSet, Sendable {
    @usableFromInline let rawValue: UInt8
    @inlinable init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable static var arp: RareLayerSet { RareLayerSet(rawValue: 1 << 0) }
    @inlinable static var icmp: RareLayerSet { RareLayerSet(rawValue: 1 << 1) }
    @inlinable static var dns: RareLayerSet { RareLayerSet(rawValue: 1 << 2) }
    @inlinable static var dhcp: RareLayerSet { RareLayerSet(rawValue: 1 << 3) }
    @inlinable static var http: RareLayerSet { RareLayerSet(rawValue: 1 << 4) }
    @inlinable static var stoppedAt: RareLayerSet { RareLayerSet(rawValue: 1 << 5) }
}

/// The layers most frames lack, each in its own box: setting one copies that layer once and the others' boxes
/// by reference (inline, the six made a 700-byte value copied whole on every set).
@usableFromInline
struct RareLayers: Sendable {
    @usableFromInline var arp: LayerBox<ARPPacket>?
    @usableFromInline var icmp: LayerBox<ICMPMessage>?
    @usableFromInline var dns: LayerBox<DNSMessage>?
    @usableFromInline var dhcp: LayerBox<DHCPMessage>?
    @usableFromInline var http: LayerBox<HTTPHead>?
    @usableFromInline var stoppedAt: LayerBox<WireError>?
}

/// An immutable heap copy of a frame's rare layers.
@usableFromInline
final class RareLayerBox: Sendable {
    @usableFromInline let layers: RareLayers
    init(_ layers: RareLayers) { self.layers = layers }
}

/// An immutable heap copy of one layer.
@usableFromInline
final class LayerBox<Value: Sendable>: Sendable {
    @usableFromInline let value: Value
    init(_ value: Value) { self.value = value }
}
