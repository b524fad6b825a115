/// A frame's IP addresses read straight from its headers, without decoding it: what a flow-partitioned reader
/// needs of every frame to route it (the session layer keys flows on these addresses). Here, in the decoder's
/// module, so that the reader's bounds-checked peeks are inlined (called across modules, each was a call).
extension FrameDecoder {
    /// The source and destination addresses, nil when the frame is not a plain IPv4/IPv6 packet on a link type read
    /// here (the full decoder then decides). The decoder's own reader does the reading, with its bounds-checked
    /// peeks and no field records.
    public static func peekAddresses(_ bytes: [UInt8], linkType: UInt32)
        -> (source: IPAddress, destination: IPAddress)? {
        let reader = FrameReader(bytes: bytes)
        let link = linkType & 0xffff
        guard let offset = networkStart(reader, linkType: link), let first = reader.peekU8(at: offset) else { return nil }
        // These two link types promise a version the decoder then trusts; a packet that says otherwise is its call.
        if link == LinkType.ipv4 && first >> 4 != 4 || link == LinkType.ipv6 && first >> 4 != 6 {
            return nil
        }
        switch first >> 4 {
        case 4:
            guard let source = reader.peekU32(at: offset + 12), let destination = reader.peekU32(at: offset + 16) else {
                return nil
            }
            return (.v4(source), .v4(destination))
        case 6:
            guard let source = v6(reader, at: offset + 8), let destination = v6(reader, at: offset + 24) else {
                return nil
            }
            return (source, destination)
        default:
            return nil
        }
    }

    private static func v6(_ reader: FrameReader, at offset: Int) -> IPAddress? {
        guard let a = reader.peekU32(at: offset), let b = reader.peekU32(at: offset + 4),
              let c = reader.peekU32(at: offset + 8), let d = reader.peekU32(at: offset + 12) else { return nil }
        return .v6(UInt64(a) << 32 | UInt64(b), UInt64(c) << 32 | UInt64(d))
    }

    /// Where the IP header starts, for the link types the analysis sees most.
    private static func networkStart(_ reader: FrameReader, linkType: UInt32) -> Int? {
        switch linkType {
        case LinkType.ethernet:
            guard var type = reader.peekU16(at: 12) else { return nil }
            var offset = 14
            // Up to two VLAN tags (802.1Q, 802.1ad).
            for _ in 0..<2 where type == 0x8100 || type == 0x88A8 {
                guard let inner = reader.peekU16(at: offset + 2) else { return nil }
                type = inner
                offset += 4
            }
            return isIP(type) ? offset : nil
        case LinkType.linuxSLL:
            return reader.peekU16(at: 14).map(isIP) == true ? 16 : nil
        case LinkType.linuxSLL2:
            return reader.peekU16(at: 0).map(isIP) == true ? 20 : nil
        case LinkType.rawIP, LinkType.rawOpenBSD, LinkType.ipv4, LinkType.ipv6:
            return 0
        case LinkType.null, LinkType.loop:
            return 4
        default:
            return nil
        }
    }

    private static func isIP(_ etherType: UInt16) -> Bool { etherType == 0x0800 || etherType == 0x86DD }
}
