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
    /// 1 Ethernet.
    public var hardwareType: UInt8 = 0
    public var hops: UInt8 = 0
    /// Seconds since the client began asking.
    public var seconds: UInt16 = 0
    /// The BOOTP flags word; bit 15 asks the server to broadcast its reply.
    public var flags: UInt16 = 0
    /// Option 51, in seconds.
    public var leaseTime: UInt32?
    /// Option 1.
    public var subnetMask: IPAddress?
    /// Option 3.
    public var routers: [IPAddress] = []
    /// Option 6.
    public var dnsServers: [IPAddress] = []
    /// Option 57.
    public var maxMessageSize: UInt16?
    /// Option 60.
    public var vendorClassID: String?
    /// True when the magic cookie 99.130.83.99 was present (a DHCP message, not plain BOOTP).
    public var hasMagicCookie = false
    /// True when option 255 (end) was seen.
    public var sawEnd = false
    /// True on a partial message handed out by `decode(_:partial:)` (the thrown error says why it stopped).
    public var isPartial = false

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

// MARK: - Decoder

extension DHCPMessage {
    /// Bytes before the options: op … file (RFC 2131 §2, figure 1).
    public static let fixedSize = 236
    /// Options decoded at most. Each takes at least one byte, so a UDP payload could hold 65 000 pad-free
    /// options; real messages carry a few dozen.
    public static let maxOptions = 255
    /// The magic cookie 99.130.83.99 (RFC 2131 §3).
    public static let magicCookie: UInt32 = 0x6382_5363

    /// Decodes the DHCP/BOOTP message spanning `reader.offset..<reader.end`, recording every byte: fixed fields,
    /// magic cookie, each option (a group of code, length and value fields), the end option and any padding.
    public static func decode(_ reader: inout FrameReader) throws(WireError) -> DHCPMessage {
        var partial: DHCPMessage?
        return try decode(&reader, partial: &partial)
    }

    /// Like `decode(_:)`, but when it throws, `partial` holds what decoded before the fault.
    public static func decode(_ reader: inout FrameReader, partial: inout DHCPMessage?) throws(WireError) -> DHCPMessage {
        let zero = IPAddress.v4(0)
        var message = DHCPMessage(op: 0, transactionID: 0, clientIP: zero, yourIP: zero, serverIP: zero,
                                  relayIP: zero, clientMAC: MACAddress(rawValue: 0))
        do throws(WireError) {
            try decodeFixed(&reader, into: &message)
            try decodeOptions(&reader, into: &message)
        } catch {
            message.isPartial = true
            partial = message
            throw error
        }
        return message
    }

    private static func decodeFixed(_ reader: inout FrameReader, into message: inout DHCPMessage) throws(WireError) {
        message.op = try reader.u8(.dhcp, "dhcp.type") {
            switch $0 {
            case 1: return "1 BOOTREQUEST: sent by a client (the board) to the server"
            case 2: return "2 BOOTREPLY: sent by the server to a client"
            default: return "\($0): neither request (1) nor reply (2); not valid BOOTP"
            }
        }
        message.hardwareType = try reader.u8(.dhcp, "dhcp.hw.type", display: { appHex8($0) }) {
            $0 == 1 ? "hardware type 1: Ethernet (Wi-Fi uses the same addresses)" : "hardware type \($0)"
        }
        let hardwareLength = try reader.u8(.dhcp, "dhcp.hw.len") { "the client's hardware address is \($0) bytes long" }
        message.hops = try reader.u8(.dhcp, "dhcp.hops") {
            $0 == 0 ? "0: no relay agent forwarded this message" : "\($0) relay agent(s) forwarded this message"
        }
        message.transactionID = try reader.u32(.dhcp, "dhcp.id", display: { appHex32($0) }) { _ in
            "transaction ID: the client picks it; the server's replies repeat it so they can be matched"
        }
        message.seconds = try reader.u16(.dhcp, "dhcp.secs") { "\($0) second(s) since the client started asking" }
        message.flags = try reader.u16(.dhcp, "dhcp.flags", display: { appHex16($0) }) {
            $0 & 0x8000 != 0 ? "broadcast flag set: the client asks for the reply to be broadcast"
                : "no flags: the reply may be sent straight to the client"
        }
        let flags = UInt64(message.flags)
        reader.bits(.dhcp, "dhcp.flags.bc", mask: 0x8000, value: flags >> 15) {
            $0 == 1 ? "1: broadcast the reply (the client cannot receive unicast before it has an address)"
                : "0: unicast reply is fine"
        }
        reader.bits(.dhcp, "dhcp.flags.reserved", mask: 0x7fff, value: flags & 0x7fff,
                    display: { appHex16(UInt16(truncatingIfNeeded: $0)) }) { _ in "reserved flag bits, 0" }
        func address(_ name: String, _ meaning: @escaping (IPAddress) -> String) throws(WireError) -> IPAddress {
            let bytes = try reader.bytes(.dhcp, name, count: 4, display: { IPAddress(v4: $0).description }) {
                meaning(IPAddress(v4: $0))
            }
            return IPAddress(v4: bytes)
        }
        message.clientIP = try address("dhcp.ip.client") {
            $0 == .v4(0) ? "0.0.0.0: the client has no address yet" : "\($0): the address the client already has and renews"
        }
        message.yourIP = try address("dhcp.ip.your") {
            $0 == .v4(0) ? "0.0.0.0: no address offered in this message" : "\($0): the address the server gives the client"
        }
        message.serverIP = try address("dhcp.ip.server") {
            $0 == .v4(0) ? "0.0.0.0: no next server named" : "\($0): the server to use next (e.g. for network boot)"
        }
        message.relayIP = try address("dhcp.ip.relay") {
            $0 == .v4(0) ? "0.0.0.0: no relay agent" : "\($0): the relay agent that forwarded this message"
        }
        if message.hardwareType == 1, hardwareLength == 6 {
            let mac = try reader.bytes(.dhcp, "dhcp.hw.mac_addr", count: 6, display: { MACAddress(bytes: $0).description }) {
                "\(MACAddress(bytes: $0)): the client's MAC address (the board's Wi-Fi address)"
            }
            message.clientMAC = MACAddress(bytes: mac)
            _ = try reader.bytes(.dhcp, "dhcp.hw.addr_padding", count: 10, display: { colonHex($0) }) { _ in
                "unused rest of the 16-byte hardware address field"
            }
        } else {
            let raw = try reader.bytes(.dhcp, "dhcp.hw.addr", count: 16, display: { colonHex($0) }) { _ in
                "the client's hardware address (not a 6-byte Ethernet address here)"
            }
            message.clientMAC = MACAddress(bytes: raw)
        }
        _ = try reader.bytes(.dhcp, "dhcp.server", count: 64, display: { nulTerminated($0) }) {
            let name = nulTerminated($0)
            return name.isEmpty ? "server host name: not given" : "server host name \(name)"
        }
        _ = try reader.bytes(.dhcp, "dhcp.file", count: 128, display: { nulTerminated($0) }) {
            let name = nulTerminated($0)
            return name.isEmpty ? "boot file name: not given" : "boot file name \(name) (for network boot)"
        }
    }

    private static func decodeOptions(_ reader: inout FrameReader, into message: inout DHCPMessage) throws(WireError) {
        // Plain BOOTP (RFC 951) may end after the fixed part, or carry vendor bytes without the cookie.
        guard reader.remaining > 0 else { return }
        guard reader.peekU32(at: reader.offset) == magicCookie, reader.remaining >= 4 else {
            let count = reader.remaining
            _ = try reader.bytes(.dhcp, "dhcp.vendor_specific_options", count: count, display: { colonHex($0) }) { _ in
                "BOOTP vendor area without the DHCP magic cookie: not DHCP options"
            }
            return
        }
        _ = try reader.u32(.dhcp, "dhcp.cookie", display: { IPAddress.v4($0).description }) { _ in
            "the magic cookie 99.130.83.99: DHCP options follow"
        }
        message.hasMagicCookie = true
        while reader.remaining > 0 {
            guard let code = reader.peekU8(at: reader.offset) else { break }
            if code == 0 {
                // RFC 2132 §3.1: pad bytes; a run of them is recorded as one field.
                var run = 0
                while run < reader.remaining, reader.peekU8(at: reader.offset + run) == 0 { run += 1 }
                _ = try reader.bytes(.dhcp, "dhcp.option.padding", count: run, display: { colonHex($0) }) { _ in
                    "padding (option 0): filler bytes with no meaning"
                }
                continue
            }
            if code == 255 {
                _ = try reader.u8(.dhcp, "dhcp.option.end") { _ in "option 255: the end of the options" }
                message.sawEnd = true
                if reader.remaining > 0 {
                    let count = reader.remaining
                    _ = try reader.bytes(.dhcp, "dhcp.option.padding", count: count, display: { colonHex($0) }) { _ in
                        "\(count) byte(s) of padding after the end option (many clients pad to 300 bytes)"
                    }
                }
                return
            }
            guard message.options.count < maxOptions else {
                throw .invalid(layer: .dhcp, offset: reader.offset, field: "dhcp.option.type",
                               reason: "more than \(maxOptions) options; decoding stops here")
            }
            // RFC 2132 §2: code, length, then exactly `length` bytes; check before opening the group.
            guard 2 <= reader.remaining, let length = reader.peekU8(at: reader.offset + 1) else {
                try reader.require(2, .dhcp)
                break
            }
            guard Int(length) <= reader.remaining - 2 else {
                throw .invalid(layer: .dhcp, offset: reader.offset + 1, field: "dhcp.option.length",
                               reason: "says \(length) bytes but only \(reader.remaining - 2) remain (option \(code))")
            }
            let start = reader.offset
            let value = Array(reader.slice((start + 2)..<(start + 2 + Int(length))))
            reader.beginGroup(.dhcp, "dhcp.option.type", value: { String(code) }, meaning: {
                code == 55 ? "option 55, parameter request list: the client asks the server for: "
                    + value.map { optionName($0) }.joined(separator: ", ")
                    : "option \(code): \(optionName(code))"
            })
            _ = try reader.u8(.dhcp, "dhcp.option.code") { "\($0): \(optionName($0))" }
            _ = try reader.u8(.dhcp, "dhcp.option.length") { "\($0) byte(s) of value follow" }
            try decodeValue(&reader, code: code, value: value, into: &message)
            reader.endGroup()
            message.options.append(DHCPOption(code: code, value: value))
        }
    }

    /// Records one option's value, exactly `value.count` bytes.
    private static func decodeValue(_ reader: inout FrameReader, code: UInt8, value: [UInt8],
                                    into message: inout DHCPMessage) throws(WireError) {
        let end = reader.offset + value.count
        func addresses(_ name: String, _ meaning: @escaping (IPAddress) -> String) throws(WireError) -> [IPAddress] {
            var found: [IPAddress] = []
            while 4 <= end - reader.offset {
                let bytes = try reader.bytes(.dhcp, name, count: 4, display: { IPAddress(v4: $0).description }) {
                    meaning(IPAddress(v4: $0))
                }
                found.append(IPAddress(v4: bytes))
            }
            return found
        }
        func string(_ name: String, _ meaning: @escaping (String) -> String) throws(WireError) -> String {
            let bytes = try reader.bytes(.dhcp, name, count: value.count, display: { nulTerminated($0) }) {
                meaning(nulTerminated($0))
            }
            return nulTerminated(bytes)
        }
        switch code {
        case 53 where value.count == 1:
            let type = try reader.u8(.dhcp, "dhcp.option.dhcp") { messageTypeMeaning($0) }
            message.messageType = type
        case 1 where value.count == 4:
            message.subnetMask = try addresses("dhcp.option.subnet_mask") {
                "subnet mask \($0): which addresses are on the local network (reachable without the router)"
            }.first
        case 3 where value.count >= 4:
            message.routers = try addresses("dhcp.option.router") { "\($0): the router (default gateway) to reach other networks" }
        case 6 where value.count >= 4:
            message.dnsServers = try addresses("dhcp.option.domain_name_server") {
                "\($0): a DNS server to ask for names' addresses"
            }
        case 28 where value.count == 4:
            _ = try addresses("dhcp.option.broadcast_address") { "\($0): the address that reaches every host on this network" }
        case 42 where value.count >= 4:
            _ = try addresses("dhcp.option.ntp_server") { "\($0): a time (NTP) server" }
        case 44 where value.count >= 4:
            _ = try addresses("dhcp.option.netbios_over_tcpip_name_server") { "\($0): a NetBIOS (WINS) name server, for Windows names" }
        case 50 where value.count == 4:
            message.requestedIP = try addresses("dhcp.option.requested_ip_address") {
                "\($0): the address the client asks for (usually the one it had before)"
            }.first
        case 54 where value.count == 4:
            message.serverIdentifier = try addresses("dhcp.option.dhcp_server_id") {
                "\($0): which DHCP server this is (the client names it when accepting an offer)"
            }.first
        case 4 where value.count >= 4:
            _ = try addresses("dhcp.option.time_server") { "\($0): an old-style (RFC 868) time server" }
        case 51 where value.count == 4:
            message.leaseTime = try reader.u32(.dhcp, "dhcp.option.ip_address_lease_time") {
                "the address is lent for \(DNSMessage.durationText($0)); the client must renew before then"
            }
        case 58 where value.count == 4:
            _ = try reader.u32(.dhcp, "dhcp.option.renewal_time_value") { "renew the lease after \(DNSMessage.durationText($0))" }
        case 59 where value.count == 4:
            _ = try reader.u32(.dhcp, "dhcp.option.rebinding_time_value") {
                "ask any server after \(DNSMessage.durationText($0)) if the first one does not answer"
            }
        case 57 where value.count == 2:
            message.maxMessageSize = try reader.u16(.dhcp, "dhcp.option.dhcp_max_message_size") {
                "the client accepts DHCP messages of up to \($0) bytes"
            }
        case 26 where value.count == 2:
            _ = try reader.u16(.dhcp, "dhcp.option.interface_mtu") { "use packets of at most \($0) bytes on this network" }
        case 46 where value.count == 1:
            _ = try reader.u8(.dhcp, "dhcp.option.netbios_over_tcpip_node_type") {
                switch $0 {
                case 1: return "1 B-node: find Windows names by broadcast"
                case 2: return "2 P-node: find Windows names by asking the name server"
                case 4: return "4 M-node: broadcast first, then ask the name server"
                case 8: return "8 H-node: ask the name server first, then broadcast"
                default: return "\($0): NetBIOS node type"
                }
            }
        case 12 where !value.isEmpty:
            message.hostname = try string("dhcp.option.hostname") {
                $0.hasPrefix("ESP_") || $0.hasPrefix("ESP-") || $0.hasPrefix("mpy-")
                    ? "host name \($0): the name the board gives itself (an ESP8266/MicroPython default)"
                    : "host name \($0): the name the client gives itself"
            }
        case 15 where !value.isEmpty:
            _ = try string("dhcp.option.domain_name") { "domain \($0): added to short names when looking them up" }
        case 47 where !value.isEmpty:
            _ = try string("dhcp.option.netbios_over_tcpip_scope") { "NetBIOS scope \($0)" }
        case 56 where !value.isEmpty:
            _ = try string("dhcp.option.message") { "a message from the server, for people: \"\($0)\"" }
        case 60 where !value.isEmpty:
            message.vendorClassID = try string("dhcp.option.vendor_class_id") {
                "vendor class \($0): what kind of device or software the client is"
            }
        case 66 where !value.isEmpty:
            _ = try string("dhcp.option.tftp_server_name") { "network-boot server \($0)" }
        case 67 where !value.isEmpty:
            _ = try string("dhcp.option.bootfile_name") { "network-boot file \($0)" }
        case 55:
            var items: [UInt8] = []
            for _ in 0..<value.count {
                items.append(try reader.u8(.dhcp, "dhcp.option.request_list_item") { "\($0): \(optionName($0))" })
            }
            message.parameterRequestList = items
        case 61 where value.count == 7 && value.first == 1:
            _ = try reader.u8(.dhcp, "dhcp.hw.type", display: { appHex8($0) }) { _ in
                "client identifier type 1: an Ethernet MAC address follows"
            }
            _ = try reader.bytes(.dhcp, "dhcp.hw.mac_addr", count: 6, display: { MACAddress(bytes: $0).description }) {
                "\(MACAddress(bytes: $0)): the client identifies itself by this MAC address"
            }
        case 61 where !value.isEmpty:
            _ = try reader.bytes(.dhcp, "dhcp.client_id", count: value.count, display: { colonHex($0) }) { _ in
                "a client identifier: the server keys the lease by this instead of the MAC address"
            }
        case 121 where !value.isEmpty:
            // RFC 3442: width, the significant octets of the destination, then the router.
            while reader.offset < end {
                guard let width = reader.peekU8(at: reader.offset), width <= 32 else {
                    throw .invalid(layer: .dhcp, offset: reader.offset, field: "dhcp.option.classless_static_route",
                                   reason: "has a prefix width above 32")
                }
                let significant = (Int(width) + 7) / 8
                let routeLength = 1 + significant + 4
                guard routeLength <= end - reader.offset else {
                    throw .invalid(layer: .dhcp, offset: reader.offset, field: "dhcp.option.classless_static_route",
                                   reason: "route runs past the end of the option")
                }
                let text = classlessRouteText(reader.slice(reader.offset..<(reader.offset + routeLength)))
                _ = try reader.bytes(.dhcp, "dhcp.option.classless_static_route", count: routeLength,
                                     display: { _ in text }) { _ in "a route: \(text)" }
            }
        default:
            if !value.isEmpty {
                _ = try reader.bytes(.dhcp, "dhcp.option.value", count: value.count, display: { colonHex($0) }) { _ in
                    code == 43 ? "vendor-specific information: its meaning depends on the vendor class"
                        : "the value of option \(code) (\(optionName(code))), shown as raw bytes"
                }
            }
        }
        // Values whose length did not fit the typed reading above (e.g. a 5-byte router list) stay raw.
        if reader.offset < end {
            let count = end - reader.offset
            _ = try reader.bytes(.dhcp, "dhcp.option.value", count: count, display: { colonHex($0) }) { _ in
                "\(count) byte(s) the option's usual format does not explain; the length is unusual"
            }
        }
    }

    static func classlessRouteText(_ bytes: ArraySlice<UInt8>) -> String {
        guard let width = bytes.first else { return "" }
        let significant = (Int(width) + 7) / 8
        var destination = Array(bytes.dropFirst().prefix(significant))
        while destination.count < 4 { destination.append(0) }
        let router = IPAddress(v4: bytes.suffix(4))
        return "\(IPAddress(v4: destination))/\(width) via \(router)"
    }

    static func messageTypeMeaning(_ type: UInt8) -> String {
        let name = messageTypeName(type)
        switch type {
        case 1: return "\(name): the client looks for DHCP servers (\"who can give me an address?\")"
        case 2: return "\(name): a server offers an address"
        case 3: return "\(name): the client asks for the offered (or its previous) address"
        case 4: return "\(name): the client found the address already in use"
        case 5: return "\(name): the server confirms; the client may now use the address"
        case 6: return "\(name): the server refuses; the client must start over"
        case 7: return "\(name): the client gives its address back"
        case 8: return "\(name): the client has an address and asks only for settings"
        default: return "\(name): an unusual DHCP message type"
        }
    }

    /// A short name for an option code (RFC 2132 and later).
    public static func optionName(_ code: UInt8) -> String {
        switch code {
        case 0: return "padding"
        case 1: return "subnet mask"
        case 2: return "time offset"
        case 3: return "router"
        case 4: return "time server"
        case 6: return "DNS servers"
        case 12: return "host name"
        case 15: return "domain name"
        case 26: return "interface MTU"
        case 28: return "broadcast address"
        case 31: return "perform router discovery"
        case 33: return "static routes"
        case 42: return "NTP servers"
        case 43: return "vendor-specific information"
        case 44: return "NetBIOS name servers"
        case 46: return "NetBIOS node type"
        case 47: return "NetBIOS scope"
        case 50: return "requested IP address"
        case 51: return "lease time"
        case 53: return "DHCP message type"
        case 54: return "DHCP server identifier"
        case 55: return "parameter request list"
        case 56: return "message"
        case 57: return "maximum DHCP message size"
        case 58: return "renewal time"
        case 59: return "rebinding time"
        case 60: return "vendor class identifier"
        case 61: return "client identifier"
        case 66: return "TFTP server name"
        case 67: return "boot file name"
        case 81: return "client FQDN"
        case 119: return "domain search list"
        case 121: return "classless static routes"
        case 252: return "proxy auto-discovery (WPAD)"
        case 255: return "end"
        default: return "option \(code)"
        }
    }
}

/// Text up to the first NUL (BOOTP's fixed-size strings), printable ASCII only.
func nulTerminated(_ bytes: ArraySlice<UInt8>) -> String {
    appPrintable(bytes.prefix { $0 != 0 })
}
