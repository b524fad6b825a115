/// BSD loopback encapsulation: LINKTYPE_NULL (0, address family in the capturing host's byte order) and
/// LINKTYPE_LOOP (108, OpenBSD, network byte order).

/// A decoded loopback header.
public struct LoopbackHeader: Sendable, Hashable {
    /// The address family (2 AF_INET; 24, 28 or 30 AF_INET6 depending on the OS).
    public var family: UInt32

    /// The network protocol the family stands for, or nil when unknown.
    public var etherType: EtherType? {
        switch family {
        case 2: return .ipv4
        case 10, 24, 28, 30: return .ipv6
        default: return nil
        }
    }

    /// Reads the 4-byte family: `networkOrder` for LINKTYPE_LOOP, else guessed from the bytes (LINKTYPE_NULL).
    public init(from reader: inout FrameReader, networkOrder: Bool) throws(WireError) {
        // NULL stores the family in the writer's byte order; a value with its high half set was written
        // little-endian (families are small numbers).
        let bigEndian = networkOrder || (reader.peekU16(at: reader.offset) ?? 0) == 0
        let meaning: (UInt32) -> String = { family in
            switch family {
            case 2: return "address family 2 (AF_INET): an IPv4 packet on the loopback interface"
            case 10, 24, 28, 30: return "address family \(family) (AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD or macOS): an IPv6 packet"
            default: return "address family \(family), which SocketScope does not decode"
            }
        }
        family = bigEndian
            ? try reader.u32(.null, networkOrder ? "loop.family" : "null.family", meaning: meaning)
            : try reader.u32LE(.null, "null.family", meaning: meaning)
    }
}
