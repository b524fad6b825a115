/// DNS (RFC 1035) and mDNS (RFC 6762).

/// A decoded DNS message.
public struct DNSMessage: Sendable, Hashable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: UInt8
    /// Response code (RFC 1035 §4.1.1): 0 NOERROR, 3 NXDOMAIN…
    public var rcode: UInt8
    public var questions: [DNSQuestion] = []
    public var answers: [DNSRecord] = []
    public var authorities: [DNSRecord] = []
    public var additionals: [DNSRecord] = []

    public init(id: UInt16, isResponse: Bool, opcode: UInt8, rcode: UInt8) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.rcode = rcode
    }

    /// The response code's name as tools print it ("NOERROR", "NXDOMAIN", or "RCODE12").
    public static func rcodeName(_ rcode: UInt8) -> String {
        switch rcode {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        case 6: return "YXDOMAIN"
        case 7: return "YXRRSET"
        case 8: return "NXRRSET"
        case 9: return "NOTAUTH"
        case 10: return "NOTZONE"
        default: return "RCODE\(rcode)"
        }
    }

    /// A record type's mnemonic ("A", "AAAA") or "TYPE65".
    public static func typeName(_ type: UInt16) -> String {
        switch type {
        case 1: return "A"
        case 2: return "NS"
        case 5: return "CNAME"
        case 6: return "SOA"
        case 12: return "PTR"
        case 15: return "MX"
        case 16: return "TXT"
        case 28: return "AAAA"
        case 33: return "SRV"
        case 41: return "OPT"
        case 47: return "NSEC"
        case 255: return "ANY"
        default: return "TYPE\(type)"
        }
    }
}

/// One question.
public struct DNSQuestion: Sendable, Hashable {
    public var name: String
    public var type: UInt16
    public var rrClass: UInt16
    public init(name: String, type: UInt16, rrClass: UInt16) {
        self.name = name
        self.type = type
        self.rrClass = rrClass
    }
}

/// One resource record; `data` is its value as text ("192.0.2.1", "10 mail.example.", or hex for unknown types).
public struct DNSRecord: Sendable, Hashable {
    public var name: String
    public var type: UInt16
    public var rrClass: UInt16
    public var ttl: UInt32
    public var data: String
    /// The address for A and AAAA records (what a following connection may use).
    public var address: IPAddress?
    public init(name: String, type: UInt16, rrClass: UInt16, ttl: UInt32, data: String, address: IPAddress? = nil) {
        self.name = name
        self.type = type
        self.rrClass = rrClass
        self.ttl = ttl
        self.data = data
        self.address = address
    }
}
