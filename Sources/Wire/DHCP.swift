/// DHCP (RFC 2131, options RFC 2132) over BOOTP (RFC 951).

/// A decoded DHCP/BOOTP message.
public struct DHCPMessage: Sendable, Hashable {
    /// 1 BOOTREQUEST, 2 BOOTREPLY.
    public var op: UInt8
    public var transactionID: UInt32
    public var clientIP: IPAddress
    public var yourIP: IPAddress
    public var serverIP: IPAddress
    public var relayIP: IPAddress
    public var clientMAC: MACAddress
    /// Option 53 (1 DISCOVER, 2 OFFER, 3 REQUEST, 4 DECLINE, 5 ACK, 6 NAK, 7 RELEASE, 8 INFORM).
    public var messageType: UInt8?
    /// Option 12.
    public var hostname: String?
    /// Option 50.
    public var requestedIP: IPAddress?
    /// Option 54.
    public var serverIdentifier: IPAddress?
    /// Option 55.
    public var parameterRequestList: [UInt8] = []
    /// Every option in order, as (code, value bytes).
    public var options: [DHCPOption] = []

    public init(op: UInt8, transactionID: UInt32, clientIP: IPAddress, yourIP: IPAddress, serverIP: IPAddress,
                relayIP: IPAddress, clientMAC: MACAddress) {
        self.op = op
        self.transactionID = transactionID
        self.clientIP = clientIP
        self.yourIP = yourIP
        self.serverIP = serverIP
        self.relayIP = relayIP
        self.clientMAC = clientMAC
    }

    /// "DISCOVER", "OFFER"… for option 53.
    public static func messageTypeName(_ type: UInt8) -> String {
        switch type {
        case 1: return "DISCOVER"
        case 2: return "OFFER"
        case 3: return "REQUEST"
        case 4: return "DECLINE"
        case 5: return "ACK"
        case 6: return "NAK"
        case 7: return "RELEASE"
        case 8: return "INFORM"
        default: return "TYPE\(type)"
        }
    }
}

/// One DHCP option.
public struct DHCPOption: Sendable, Hashable {
    public var code: UInt8
    public var value: [UInt8]
    public init(code: UInt8, value: [UInt8]) {
        self.code = code
        self.value = value
    }
}
