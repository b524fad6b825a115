/// The protocol layer a field or an error belongs to. The raw values are the `layer` names of
/// `explain --format json`; outside tools rely on them.
public enum Layer: String, Sendable, Hashable, CaseIterable {
    case eth, vlan, sll, null, radiotap, wlan, llc, arp, ipv4, ipv6, icmp, icmpv6, tcp, udp, dns, dhcp, http
    case payload, padding, trailer
    /// The capture file's own framing (never a field of the frame; used by errors).
    case frame
}
