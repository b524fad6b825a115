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
    /// The whole 16-bit flags word (dns.flags).
    public var flags: UInt16 = 0
    /// The four counts as the header states them (what follows may disagree on malformed messages).
    public var questionCount: UInt16 = 0
    public var answerCount: UInt16 = 0
    public var authorityCount: UInt16 = 0
    public var additionalCount: UInt16 = 0
    /// True on a partial message handed out by `decode(_:partial:)` (the thrown error says why it stopped).
    public var isPartial = false
    /// AA: the answering server is authoritative for the name.
    public var isAuthoritative: Bool { flags & 0x0400 != 0 }
    /// TC: the message was truncated to fit; the asker should retry over TCP.
    public var isTruncated: Bool { flags & 0x0200 != 0 }
    /// RD: the asker wants a recursive lookup.
    public var recursionDesired: Bool { flags & 0x0100 != 0 }
    /// RA: the server offers recursion.
    public var recursionAvailable: Bool { flags & 0x0080 != 0 }

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
    /// mDNS (RFC 6762 §5.4): the QU bit, the top bit of the class, asks for a unicast reply.
    public var unicastResponse = false
    public init(name: String, type: UInt16, rrClass: UInt16) {
        self.name = name
        self.type = type
        self.rrClass = rrClass
    }
}

/// One resource record; `data` is its value as text ("192.0.2.1", "10 mail.example", or hex for unknown types).
public struct DNSRecord: Sendable, Hashable {
    public var name: String
    public var type: UInt16
    public var rrClass: UInt16
    public var ttl: UInt32
    public var data: String
    /// The address for A and AAAA records (what a following connection may use).
    public var address: IPAddress?
    /// mDNS (RFC 6762 §10.2): the cache-flush bit, the top bit of the class.
    public var cacheFlush = false
    public init(name: String, type: UInt16, rrClass: UInt16, ttl: UInt32, data: String, address: IPAddress? = nil) {
        self.name = name
        self.type = type
        self.rrClass = rrClass
        self.ttl = ttl
        self.data = data
        self.address = address
    }
}

// MARK: - Decoder

extension DNSMessage {
    /// Bytes in the fixed header (RFC 1035 §4.1.1).
    public static let headerSize = 12
    /// Longest name on the wire, length octets included (RFC 1035 §2.3.4: "255 octets or less").
    public static let maxNameLength = 255
    /// Most labels in one name: 255 octets hold at most 127 one-character labels plus the root.
    public static let maxLabels = 127
    /// Most compression pointers followed for one name. Pointers must also point strictly backwards, which alone
    /// makes loops impossible; this cap bounds the work per name on top of that.
    public static let maxPointerHops = 16
    /// Most records decoded in one section. Each record takes at least 11 bytes, so a UDP message cannot reach
    /// this honestly; a bigger count is a fuzzed or corrupt header and decoding stops with an error.
    public static let maxRecordsPerSection = 1024

    /// Decodes the DNS message spanning `reader.offset..<reader.end`. Compression pointers are relative to the
    /// offset at entry. Records one field per byte; throws at the first malformed or missing byte.
    public static func decode(_ reader: inout FrameReader) throws(WireError) -> DNSMessage {
        var partial: DNSMessage?
        return try decode(&reader, partial: &partial)
    }

    /// Like `decode(_:)`, but when it throws, `partial` holds everything decoded before the fault (header,
    /// complete questions and records), so a caller can still show what the message asked or answered.
    public static func decode(_ reader: inout FrameReader, partial: inout DNSMessage?) throws(WireError) -> DNSMessage {
        let base = reader.offset
        var message = DNSMessage(id: 0, isResponse: false, opcode: 0, rcode: 0)
        do throws(WireError) {
            try decodeBody(&reader, base: base, into: &message)
        } catch {
            message.isPartial = true
            partial = message
            throw error
        }
        return message
    }

    private static func decodeBody(_ reader: inout FrameReader, base: Int, into message: inout DNSMessage)
        throws(WireError) {
        message.id = try reader.u16(.dns, "dns.id", display: { appHex16($0) }) { _ in
            "transaction ID: the asker picks it and the answer copies it, so replies can be matched to questions"
        }
        let flags = try reader.u16(.dns, "dns.flags", display: { appHex16($0) }) { value in
            let qr = value & 0x8000 != 0
            let rcode = UInt8(value & 0x000f)
            return qr ? "flags: this is a response, result \(rcodeName(rcode))" : "flags: this is a query"
        }
        message.flags = flags
        message.isResponse = flags & 0x8000 != 0
        message.opcode = UInt8((flags >> 11) & 0x0f)
        message.rcode = UInt8(flags & 0x000f)
        recordFlagBits(reader, flags)

        message.questionCount = try reader.u16(.dns, "dns.count.queries") { "\($0) question(s) follow" }
        message.answerCount = try reader.u16(.dns, "dns.count.answers") { "\($0) answer record(s) follow" }
        message.authorityCount = try reader.u16(.dns, "dns.count.auth_rr") {
            "\($0) authority record(s) follow (which servers are in charge of the name)"
        }
        message.additionalCount = try reader.u16(.dns, "dns.count.add_rr") {
            "\($0) additional record(s) follow (extra helpful data, or the EDNS OPT pseudo-record)"
        }

        for index in 0..<Int(message.questionCount) {
            try checkSectionCap(index, reader, "dns.count.queries")
            message.questions.append(try decodeQuestion(&reader, base: base, number: index + 1))
        }
        let sections: [(Int, Section)] = [(Int(message.answerCount), .answer),
                                          (Int(message.authorityCount), .authority),
                                          (Int(message.additionalCount), .additional)]
        for (count, section) in sections {
            for index in 0..<count {
                try checkSectionCap(index, reader, section.countField)
                let record = try decodeRecord(&reader, base: base, section: section, number: index + 1)
                switch section {
                case .answer: message.answers.append(record)
                case .authority: message.authorities.append(record)
                case .additional: message.additionals.append(record)
                }
            }
        }
        // Bytes after the last record the counts announce: not part of the message, but inside the UDP payload.
        if reader.remaining > 0 {
            let count = reader.remaining
            _ = try reader.bytes(.dns, "dns.extraneous.data", count: count) { _ in
                "\(count) byte(s) after the last record the header counts announce; DNS software ignores them"
            }
        }
    }

    private static func checkSectionCap(_ index: Int, _ reader: FrameReader, _ field: String) throws(WireError) {
        guard index < maxRecordsPerSection else {
            throw .invalid(layer: .dns, offset: reader.offset, field: field,
                           reason: "announces more than \(maxRecordsPerSection) entries; decoding stops here")
        }
    }

    private static func recordFlagBits(_ reader: FrameReader, _ flags: UInt16) {
        guard reader.isRecording else { return }
        let value = UInt64(flags)
        reader.bits(.dns, "dns.flags.response", mask: 0x8000, value: value >> 15) {
            $0 == 1 ? "1: this message is a response" : "0: this message is a query"
        }
        reader.bits(.dns, "dns.flags.opcode", mask: 0x7800, value: (value >> 11) & 0xf) {
            switch $0 {
            case 0: return "0: a standard query"
            case 4: return "4: a notify"
            case 5: return "5: a dynamic update"
            default: return "\($0): an unusual kind of request"
            }
        }
        reader.bits(.dns, "dns.flags.authoritative", mask: 0x0400, value: (value >> 10) & 1) {
            $0 == 1 ? "1: the answering server is in charge of this name" : "0: the server is not in charge of this name (or this is a query)"
        }
        reader.bits(.dns, "dns.flags.truncated", mask: 0x0200, value: (value >> 9) & 1) {
            $0 == 1 ? "1: the message was cut to fit; ask again over TCP for the rest" : "0: the message is complete"
        }
        reader.bits(.dns, "dns.flags.recdesired", mask: 0x0100, value: (value >> 8) & 1) {
            $0 == 1 ? "1: the asker wants the server to do the whole lookup for it" : "0: the asker does not ask for a full lookup"
        }
        reader.bits(.dns, "dns.flags.recavail", mask: 0x0080, value: (value >> 7) & 1) {
            $0 == 1 ? "1: the server can do full lookups" : "0: the server does not offer full lookups (or this is a query)"
        }
        reader.bits(.dns, "dns.flags.z", mask: 0x0040, value: (value >> 6) & 1) {
            $0 == 1 ? "1: a reserved bit is set; it should be 0" : "0: reserved bit, always 0"
        }
        reader.bits(.dns, "dns.flags.authenticated", mask: 0x0020, value: (value >> 5) & 1) {
            $0 == 1 ? "1: the server checked the answer's DNSSEC signatures" : "0: the answer was not DNSSEC-checked"
        }
        reader.bits(.dns, "dns.flags.checkdisable", mask: 0x0010, value: (value >> 4) & 1) {
            $0 == 1 ? "1: the asker said not to check DNSSEC signatures" : "0: signatures may be checked"
        }
        reader.bits(.dns, "dns.flags.rcode", mask: 0x000f, value: value & 0xf) { code in
            let name = rcodeName(UInt8(truncatingIfNeeded: code))
            switch code {
            case 0: return "0 \(name): no error"
            case 2: return "2 \(name): the server failed to find out"
            case 3: return "3 \(name): this name does not exist"
            case 5: return "5 \(name): the server refuses to answer this asker"
            default: return "\(code) \(name)"
            }
        }
    }

    // MARK: Questions and records

    private enum Section {
        case answer, authority, additional
        var groupName: String {
            switch self {
            case .answer: return "dns.answer"
            case .authority: return "dns.authority"
            case .additional: return "dns.additional"
            }
        }
        var countField: String {
            switch self {
            case .answer: return "dns.count.answers"
            case .authority: return "dns.count.auth_rr"
            case .additional: return "dns.count.add_rr"
            }
        }
        var title: String {
            switch self {
            case .answer: return "answer"
            case .authority: return "authority record"
            case .additional: return "additional record"
            }
        }
    }

    private static func decodeQuestion(_ reader: inout FrameReader, base: Int, number: Int) throws(WireError)
        -> DNSQuestion {
        let name = try DNSName.parse(reader, at: reader.offset, base: base, field: "dns.qry.name")
        // Check the fixed part is present before opening the group, so an error never leaves an empty group.
        let fixedStart = reader.offset + name.wireLength
        guard let type = reader.peekU16(at: fixedStart), let rawClass = reader.peekU16(at: fixedStart + 2),
              4 <= reader.end - fixedStart else {
            _ = try recordName(&reader, name, field: "dns.qry.name", meaning: "the name being looked up")
            try reader.require(4, .dns)
            throw .truncated(layer: .dns, offset: reader.offset, needed: 4, available: reader.remaining,
                             limitedBy: reader.endReason)
        }
        let mdnsBit = rawClass & 0x8000 != 0 && rawClass & 0x7fff == 1
        let rrClass = mdnsBit ? rawClass & 0x7fff : rawClass
        reader.beginGroup(.dns, "dns.query", value: { "\(name.text): type \(typeName(type)), class \(className(rrClass))" },
                          meaning: { "question \(number): \(questionSentence(name.text, type))" })
        defer { reader.endGroup() }
        try recordName(&reader, name, field: "dns.qry.name", meaning: "the name being looked up")
        _ = try reader.u16(.dns, "dns.qry.type") { "\(typeName($0)): \(typeMeaning($0))" }
        _ = try reader.u16(.dns, "dns.qry.class", display: { appHex16($0 & (mdnsBit ? 0x7fff : 0xffff)) }) { _ in
            classMeaning(rrClass)
        }
        if mdnsBit {
            reader.bits(.dns, "dns.qry.qu", mask: 0x8000, value: 1) { _ in
                "1: multicast DNS asks for the answer to be sent straight back (unicast) rather than to everyone"
            }
        }
        var question = DNSQuestion(name: name.text, type: type, rrClass: rrClass)
        question.unicastResponse = mdnsBit
        return question
    }

    private static func decodeRecord(_ reader: inout FrameReader, base: Int, section: Section, number: Int)
        throws(WireError) -> DNSRecord {
        let name = try DNSName.parse(reader, at: reader.offset, base: base, field: "dns.resp.name")
        let fixedStart = reader.offset + name.wireLength
        guard let type = reader.peekU16(at: fixedStart), let rawClass = reader.peekU16(at: fixedStart + 2),
              let ttl = reader.peekU32(at: fixedStart + 4), let rdLength = reader.peekU16(at: fixedStart + 8),
              10 <= reader.end - fixedStart else {
            _ = try recordName(&reader, name, field: "dns.resp.name", meaning: "the name this record is about")
            try reader.require(10, .dns)
            throw .truncated(layer: .dns, offset: reader.offset, needed: 10, available: reader.remaining,
                             limitedBy: reader.endReason)
        }
        let isOPT = type == 41
        let cacheFlush = !isOPT && rawClass & 0x8000 != 0 && rawClass & 0x7fff == 1
        let rrClass = cacheFlush ? rawClass & 0x7fff : rawClass
        // The group's text is only shown by explain: not built on the fast path.
        let recording = reader.isRecording
        var summary = recording ? "\(name.text): type \(typeName(type)), class \(className(rrClass))" : ""
        reader.beginGroup(.dns, section.groupName, value: { summary },
                          meaning: { "\(section.title) \(number): a \(typeName(type)) record for \(name.text)" })
        defer { reader.endGroup(value: { summary }) }
        try recordName(&reader, name, field: "dns.resp.name",
                       meaning: isOPT ? "the root name: this is the EDNS OPT pseudo-record, not a real record"
                                      : "the name this record is about")
        _ = try reader.u16(.dns, "dns.resp.type") { "\(typeName($0)): \(typeMeaning($0))" }
        if isOPT {
            _ = try reader.u16(.dns, "dns.rr.udp_payload_size") {
                "the sender can receive DNS messages of up to \($0) bytes over UDP (EDNS)"
            }
            _ = try reader.u8(.dns, "dns.resp.ext_rcode", display: { appHex8($0) }) { _ in
                "upper bits of the result code (EDNS); 0 normally"
            }
            _ = try reader.u8(.dns, "dns.resp.edns0_version") { "EDNS version \($0)" }
            _ = try reader.u16(.dns, "dns.resp.z", display: { appHex16($0) }) {
                $0 & 0x8000 != 0 ? "EDNS flags: DNSSEC answers wanted (DO bit)" : "EDNS flags: none set"
            }
            if let z = reader.peekU16(at: reader.offset - 2) {
                reader.bits(.dns, "dns.resp.z.do", mask: 0x8000, value: UInt64(z >> 15)) {
                    $0 == 1 ? "1: the sender wants DNSSEC signatures in answers" : "0: no DNSSEC signatures wanted"
                }
                reader.bits(.dns, "dns.resp.z.reserved", mask: 0x7fff, value: UInt64(z & 0x7fff),
                            display: { appHex16(UInt16(truncatingIfNeeded: $0)) }) { _ in "reserved EDNS flag bits, 0" }
            }
        } else {
            _ = try reader.u16(.dns, "dns.resp.class", display: { appHex16($0 & (cacheFlush ? 0x7fff : 0xffff)) }) { _ in
                classMeaning(rrClass)
            }
            if cacheFlush {
                reader.bits(.dns, "dns.resp.cache_flush", mask: 0x8000, value: 1) { _ in
                    "1: multicast DNS says to replace, not add to, any cached records for this name"
                }
            }
            _ = try reader.u32(.dns, "dns.resp.ttl") { "the answer may be kept (cached) for \(durationText($0))" }
        }
        _ = try reader.u16(.dns, "dns.resp.len") { "\($0) byte(s) of record data follow" }
        _ = ttl
        try reader.require(Int(rdLength), .dns)
        let dataEnd = reader.offset + Int(rdLength)
        var record = DNSRecord(name: name.text, type: type, rrClass: rrClass, ttl: isOPT ? 0 : ttl, data: "")
        record.cacheFlush = cacheFlush
        try decodeData(&reader, base: base, type: type, dataEnd: dataEnd, into: &record)
        if recording, !record.data.isEmpty { summary += ", " + record.data }
        return record
    }

    /// Decodes RDATA (RFC 1035 §3.3, RFC 3596, RFC 2782, RFC 6891) exactly up to `dataEnd`.
    private static func decodeData(_ reader: inout FrameReader, base: Int, type: UInt16, dataEnd: Int,
                                   into record: inout DNSRecord) throws(WireError) {
        let length = dataEnd - reader.offset
        func name(_ field: String, _ meaning: String) throws(WireError) -> String {
            let parsed = try DNSName.parse(reader, at: reader.offset, base: base, field: field)
            guard parsed.wireLength <= dataEnd - reader.offset else {
                throw .invalid(layer: .dns, offset: reader.offset, field: field,
                               reason: "runs past the end of the record data (dns.resp.len)")
            }
            try recordName(&reader, parsed, field: field, meaning: meaning)
            return parsed.text
        }
        switch type {
        case 1 where length == 4:
            let bytes = try reader.bytes(.dns, "dns.a", count: 4, display: { IPAddress(v4: $0).description }) {
                "the IPv4 address \(IPAddress(v4: $0)): connect here to reach the name"
            }
            record.address = IPAddress(v4: bytes)
            record.data = record.address?.description ?? ""
        case 28 where length == 16:
            let bytes = try reader.bytes(.dns, "dns.aaaa", count: 16, display: { IPAddress(v6: $0).description }) {
                "the IPv6 address \(IPAddress(v6: $0)) of the name"
            }
            record.address = IPAddress(v6: bytes)
            record.data = record.address?.description ?? ""
        case 5 where length > 0:
            record.data = try name("dns.cname", "the name is an alias: the real (canonical) name is this one")
        case 2 where length > 0:
            record.data = try name("dns.ns", "a name server in charge of this zone")
        case 12 where length > 0:
            record.data = try name("dns.ptr.domain_name", "the name this address or service points to")
        case 15 where length >= 3:
            let preference = try reader.u16(.dns, "dns.mx.preference") {
                "preference \($0): mail servers with lower numbers are tried first"
            }
            let exchange = try name("dns.mx.mail_exchange", "the mail server for this domain")
            record.data = "\(preference) \(exchange)"
        case 33 where length >= 7:
            let priority = try reader.u16(.dns, "dns.srv.priority") { "priority \($0): lower numbers are tried first" }
            let weight = try reader.u16(.dns, "dns.srv.weight") {
                "weight \($0): shares load among servers of equal priority"
            }
            let port = try reader.u16(.dns, "dns.srv.port") { "the service listens on port \($0)" }
            let target = try name("dns.srv.target", "the host that offers the service")
            record.data = "\(priority) \(weight) \(port) \(target)"
        case 6 where length > 0:
            let mname = try name("dns.soa.mname", "the primary name server of the zone")
            let rname = try name("dns.soa.rname", "the zone administrator's mailbox, with the @ written as a dot")
            let serial = try reader.u32(.dns, "dns.soa.serial_number") { "zone version number \($0)" }
            _ = try reader.u32(.dns, "dns.soa.refresh_interval") { "secondary servers re-check every \(durationText($0))" }
            _ = try reader.u32(.dns, "dns.soa.retry_interval") { "after a failed check, retry after \(durationText($0))" }
            _ = try reader.u32(.dns, "dns.soa.expire_limit") { "secondaries give up on the zone after \(durationText($0))" }
            _ = try reader.u32(.dns, "dns.soa.minimum_ttl") { "\"no such name\" answers may be cached for \(durationText($0))" }
            record.data = "\(mname) \(rname) \(serial)"
        case 16 where length > 0:
            var strings: [String] = []
            while reader.offset < dataEnd {
                let count = try reader.u8(.dns, "dns.txt.length") { "a text string of \($0) byte(s) follows" }
                guard Int(count) <= dataEnd - reader.offset else {
                    throw .invalid(layer: .dns, offset: reader.offset - 1, field: "dns.txt.length",
                                   reason: "runs past the end of the record data (dns.resp.len)")
                }
                let text = try reader.bytes(.dns, "dns.txt", count: Int(count), display: { appPrintable($0) }) { _ in
                    "free-form text published for the name"
                }
                strings.append(appPrintable(text))
            }
            record.data = strings.joined(separator: " ")
        case 41:
            while reader.offset < dataEnd {
                guard 4 <= dataEnd - reader.offset else { break }
                reader.beginGroup(.dns, "dns.opt", value: { "" }, meaning: { "one EDNS option" })
                let code = try reader.u16(.dns, "dns.opt.code") { code in
                    switch code {
                    case 8: return "8: client subnet (which network the asker is in)"
                    case 10: return "10: cookie (a token against spoofed answers)"
                    case 12: return "12: padding (hides the message's real length)"
                    default: return "\(code): an EDNS option number"
                    }
                }
                let optLength = try reader.u16(.dns, "dns.opt.len") { "\($0) byte(s) of option data follow" }
                let available = dataEnd - reader.offset
                let take = min(Int(optLength), available)
                if take > 0 {
                    _ = try reader.bytes(.dns, "dns.opt.data", count: take, display: { colonHex($0) }) { _ in
                        "the option's data"
                    }
                }
                reader.endGroup(value: { "code \(code), \(optLength) bytes" })
                guard Int(optLength) <= available else {
                    throw .invalid(layer: .dns, offset: reader.offset, field: "dns.opt.len",
                                   reason: "runs past the end of the record data (dns.resp.len)")
                }
            }
            record.data = "EDNS"
        default:
            if length > 0 {
                let bytes = try reader.bytes(.dns, "dns.data", count: length) { _ in
                    "record data this tool shows as raw bytes (\(typeName(type)) is not decoded, or its length is unusual)"
                }
                record.data = hexString(bytes)
            }
        }
        // Typed data shorter than dns.resp.len: the rest is unexplained (Wireshark flags it too).
        if reader.offset < dataEnd {
            let count = dataEnd - reader.offset
            _ = try reader.bytes(.dns, "dns.data", count: count) { _ in
                "\(count) byte(s) of record data left over after the value; the record is malformed"
            }
        }
    }

    @discardableResult
    private static func recordName(_ reader: inout FrameReader, _ name: DNSName, field: String,
                                   meaning: String) throws(WireError) -> ArraySlice<UInt8> {
        try reader.bytes(.dns, field, count: name.wireLength, display: { _ in name.text }) { _ in
            guard let pointer = name.firstPointerTarget else { return meaning }
            return meaning + " (partly written as a pointer back to byte \(pointer) of the message, to save space)"
        }
    }

    // MARK: Text helpers

    /// "IN", "CH"… for a class.
    public static func className(_ rrClass: UInt16) -> String {
        switch rrClass {
        case 1: return "IN"
        case 3: return "CH"
        case 4: return "HS"
        case 254: return "NONE"
        case 255: return "ANY"
        default: return "CLASS\(rrClass)"
        }
    }

    static func classMeaning(_ rrClass: UInt16) -> String {
        rrClass == 1 ? "class IN: the Internet (almost always)" : "class \(className(rrClass)): not the usual Internet class"
    }

    static func typeMeaning(_ type: UInt16) -> String {
        switch type {
        case 1: return "an IPv4 address"
        case 2: return "a name server in charge of the zone"
        case 5: return "an alias pointing to the real name"
        case 6: return "the zone's administrative data"
        case 12: return "a name an address or service points to (reverse lookup, service discovery)"
        case 15: return "a mail server"
        case 16: return "free-form text"
        case 28: return "an IPv6 address"
        case 33: return "a service's host and port"
        case 41: return "EDNS options (a pseudo-record, not data)"
        case 47: return "which record types exist (DNSSEC / mDNS)"
        case 65: return "HTTPS connection hints"
        case 255: return "every record for the name"
        default: return "record type \(type)"
        }
    }

    static func questionSentence(_ name: String, _ type: UInt16) -> String {
        switch type {
        case 1: return "what is the IPv4 address of \(name)?"
        case 28: return "what is the IPv6 address of \(name)?"
        case 12: return "what name does \(name) point to?"
        default: return "what is the \(typeName(type)) record of \(name)?"
        }
    }

    static func durationText(_ seconds: UInt32) -> String {
        if seconds >= 86_400, seconds % 86_400 == 0 { return "\(seconds) s (\(seconds / 86_400) day(s))" }
        if seconds >= 3_600, seconds % 3_600 == 0 { return "\(seconds) s (\(seconds / 3_600) hour(s))" }
        if seconds >= 60, seconds % 60 == 0 { return "\(seconds) s (\(seconds / 60) minute(s))" }
        return "\(seconds) s"
    }
}

/// A domain name found by following labels and compression pointers (RFC 1035 §3.1, §4.1.4) without recording.
struct DNSName {
    /// Dotted text as Wireshark shows it ("<Root>" for the root).
    var text: String
    /// Bytes the name occupies where it starts (up to and including its first pointer or the root label).
    var wireLength: Int
    /// Where the first pointer led, relative to the message start (nil if none).
    var firstPointerTarget: Int?

    /// Parses the name at absolute `start`; `base` is the message start that pointers count from.
    /// Throws `.invalid` for a bad label type, label > 63, name > 255, > 127 labels, > 16 pointer hops or a
    /// pointer that does not point strictly backwards; `.truncated` when the name runs past `reader.end`.
    static func parse(_ reader: FrameReader, at start: Int, base: Int, field: String) throws(WireError) -> DNSName {
        var position = start
        // Every pointer must land strictly before the start of the stretch of labels that led to it, so the
        // positions visited only go down: no loop is possible.
        var segmentStart = start
        var inPlaceEnd: Int?
        var firstPointer: Int?
        var hops = 0, labels = 0
        var wireLength = 1  // the root label
        var text = ""
        while true {
            guard position < reader.end, let length = reader.peekU8(at: position) else {
                throw .truncated(layer: .dns, offset: position, needed: 1, available: 0, limitedBy: reader.endReason)
            }
            switch length & 0xc0 {
            case 0x00:
                if length == 0 {
                    let end = inPlaceEnd ?? position + 1
                    return DNSName(text: text.isEmpty ? "<Root>" : text, wireLength: end - start,
                                   firstPointerTarget: firstPointer)
                }
                let count = Int(length)
                // RFC 1035 §2.3.4: the whole name is at most 255 octets, length octets included.
                wireLength += count + 1
                guard wireLength <= DNSMessage.maxNameLength else {
                    throw .invalid(layer: .dns, offset: position, field: field,
                                   reason: "is longer than \(DNSMessage.maxNameLength) bytes")
                }
                labels += 1
                guard labels <= DNSMessage.maxLabels else {
                    throw .invalid(layer: .dns, offset: position, field: field,
                                   reason: "has more than \(DNSMessage.maxLabels) labels")
                }
                guard count < reader.end - position else {
                    throw .truncated(layer: .dns, offset: position + 1, needed: count,
                                     available: max(0, reader.end - position - 1), limitedBy: reader.endReason)
                }
                if !text.isEmpty { text.append(".") }
                text += DNSName.labelText(reader.slice((position + 1)..<(position + 1 + count)))
                position += 1 + count
            case 0xc0:
                guard 2 <= reader.end - position, let second = reader.peekU8(at: position + 1) else {
                    throw .truncated(layer: .dns, offset: position, needed: 2,
                                     available: max(0, reader.end - position), limitedBy: reader.endReason)
                }
                let relative = Int(length & 0x3f) << 8 | Int(second)
                let target = base + relative
                guard target < segmentStart else {
                    throw .invalid(layer: .dns, offset: position, field: field,
                                   reason: "has a compression pointer to byte \(relative) that does not point backwards (a loop or a forward pointer)")
                }
                hops += 1
                guard hops <= DNSMessage.maxPointerHops else {
                    throw .invalid(layer: .dns, offset: position, field: field,
                                   reason: "follows more than \(DNSMessage.maxPointerHops) compression pointers")
                }
                if inPlaceEnd == nil {
                    inPlaceEnd = position + 2
                    firstPointer = relative
                }
                position = target
                segmentStart = target
            default:
                // 0x40 and 0x80 are the obsolete extended label types (RFC 6891 §5); nobody sends them.
                throw .invalid(layer: .dns, offset: position, field: field,
                               reason: "has label type 0x\(hexString(CollectionOfOne(length & 0xc0))), which is not a length (at most 63) or a pointer")
            }
        }
    }

    /// Printable ASCII as is; dots and backslashes inside a label and other bytes escaped as `\ddd`.
    static func labelText(_ bytes: ArraySlice<UInt8>) -> String {
        // The usual label needs no escape: one UTF-8 copy (the same text the loop below builds).
        if bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e && $0 != 0x2e && $0 != 0x5c }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = ""
        for byte in bytes {
            if byte == 0x2e || byte == 0x5c || byte < 0x21 || byte > 0x7e {
                let digits = String(byte)
                out += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }
}

/// Bytes as text: printable ASCII kept, others as `\xNN`.
func appPrintable<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var out = ""
    for byte in bytes {
        if byte >= 0x20, byte < 0x7f { out.unicodeScalars.append(Unicode.Scalar(byte)) } else {
            out += "\\x" + hexString(CollectionOfOne(byte))
        }
    }
    return out
}

/// "0x1234", as Wireshark shows 16-bit hex fields (own copy so these files build on their own).
func appHex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
}

/// "0x0a".
func appHex8(_ value: UInt8) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 2 - digits.count) + digits
}

/// "0x0001e240".
func appHex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

/// "42:f5:d0", as Wireshark shows byte strings.
func colonHex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    bytes.map { hexString(CollectionOfOne($0)) }.joined(separator: ":")
}
