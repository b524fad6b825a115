/// Names of the LINKTYPE_ values SocketScope meets (https://www.tcpdump.org/linktypes.html).
public enum LinkTypeName {
    public static func name(_ linkType: UInt32) -> String {
        switch linkType {
        case 0: return "NULL"
        case 1: return "EN10MB"
        case 12, 14, 101: return "RAW"
        case 105: return "IEEE802_11"
        case 108: return "LOOP"
        case 113: return "LINUX_SLL"
        case 127: return "IEEE802_11_RADIOTAP"
        case 228: return "IPV4"
        case 229: return "IPV6"
        case 276: return "LINUX_SLL2"
        default: return "LINKTYPE_\(linkType)"
        }
    }
}
