/// Radiotap (radiotap.org) and IEEE 802.11 data frames (IEEE 802.11-2020 §9.2–9.3).

/// The radiotap header a monitor-mode capture puts before each 802.11 frame. Only the fixed part and the flags
/// field are interpreted; the other radio fields are recorded as one block.
public struct RadiotapHeader: Sendable, Hashable {
    /// The whole radiotap header's length in bytes (the 802.11 frame starts after it).
    public var length: Int
    /// The first present-fields bitmap.
    public var present: UInt32
    /// Flags field bit 0x10: the frame ends with its 4-byte FCS.
    public var hasFCS: Bool
    /// A cap on chained present words (bit 31 extends the bitmap).
    public static let maximumPresentWords = 8

    /// Reads the header and records its fields; the reader is left at the 802.11 frame.
    public init(from reader: inout FrameReader) throws(WireError) {
        let start = reader.offset
        _ = try reader.u8(.radiotap, "radiotap.version", meaning: { $0 == 0 ? "radiotap version 0" : "radiotap version \($0), unknown" })
        _ = try reader.u8(.radiotap, "radiotap.pad", meaning: { _ in "padding" })
        let length = try reader.u16LE(.radiotap, "radiotap.length", meaning: { "the radio information header is \($0) bytes long" })
        self.length = Int(length)
        guard self.length >= 8 else {
            throw .invalid(layer: .radiotap, offset: start + 2, field: "radiotap.length", reason: "is \(length), less than 8")
        }
        try reader.require(self.length - 4, .radiotap)
        var word = try reader.u32LE(.radiotap, "radiotap.present.word", display: hex32,
                                    meaning: { "which radio fields follow (bitmap \(hex32($0)))" })
        present = word
        var words = 1
        while word & 0x8000_0000 != 0, words < Self.maximumPresentWords, reader.offset - start + 4 <= self.length {
            word = try reader.u32LE(.radiotap, "radiotap.present.word", display: hex32, meaning: { _ in "more present bits" })
            words += 1
        }
        // The fields follow, each aligned to its natural size from the header start (radiotap.org, "Alignment").
        hasFCS = false
        let end = start + self.length
        if words == 1 {
            try Self.readFields(&reader, start: start, end: end, present: present, hasFCS: &hasFCS)
        }
        if end > reader.offset {
            _ = try reader.bytes(.radiotap, "radiotap.fields", count: end - reader.offset,
                                 meaning: { _ in "further radio details SocketScope does not decode" })
        }
    }

    /// The standard fields 0–14 (radiotap.org "Defined fields"): (bit, size, alignment). Stops at the first
    /// present field it does not know; the caller records the rest as one block.
    private static let layout: [(bit: UInt32, size: Int, align: Int)] = [
        (0, 8, 8), (1, 1, 1), (2, 1, 1), (3, 4, 2), (4, 2, 1), (5, 1, 1), (6, 1, 1), (7, 2, 2), (8, 2, 2),
        (9, 2, 2), (10, 1, 1), (11, 1, 1), (12, 1, 1), (13, 1, 1), (14, 2, 2),
    ]

    private static let fieldNames: [Int: String] = [
        4: "radiotap.fhss", 7: "radiotap.quality", 8: "radiotap.txattenuation", 9: "radiotap.db_txattenuation",
        10: "radiotap.txpower", 11: "radiotap.antenna", 12: "radiotap.db_antsignal", 13: "radiotap.db_antnoise",
        14: "radiotap.rxflags",
    ]

    private static func readFields(_ reader: inout FrameReader, start: Int, end: Int, present: UInt32,
                                   hasFCS: inout Bool) throws(WireError) {
        for field in layout where present & (1 << field.bit) != 0 {
            let relative = reader.offset - start
            let padding = (field.align - relative % field.align) % field.align
            guard padding + field.size <= end - reader.offset else { return }
            if padding > 0 {
                _ = try reader.bytes(.radiotap, "radiotap.align", count: padding,
                                     meaning: { _ in "alignment padding before the next radio field" })
            }
            switch field.bit {
            case 0:
                _ = try reader.bytes(.radiotap, "radiotap.tsft", count: 8,
                                     display: { bytes in String(bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) },
                                     meaning: { _ in "the radio's microsecond clock when the frame arrived" })
            case 1:
                let flags = try reader.u8(.radiotap, "radiotap.flags", display: hex8, meaning: { flags in
                    (flags & 0x10 != 0 ? "the frame ends with its 4-byte FCS" : "no FCS at the end") + (flags & 0x40 != 0 ? "; the radio saw a bad FCS (corrupted frame)" : "")
                })
                hasFCS = flags & 0x10 != 0
            case 2:
                _ = try reader.u8(.radiotap, "radiotap.datarate", meaning: { rate in
                    "data rate \(Double(rate) / 2) Mb/s" + (rate <= 4 ? ": the slowest rates, used when the signal is weak" : "")
                })
            case 3:
                _ = try reader.u16LE(.radiotap, "radiotap.channel.freq", meaning: { freq in
                    let channel = freq == 2484 ? 14 : freq >= 2412 && freq <= 2472 ? (Int(freq) - 2407) / 5 : freq >= 5000 ? (Int(freq) - 5000) / 5 : 0
                    return "\(freq) MHz" + (channel > 0 ? ", Wi-Fi channel \(channel)" : "") + (freq >= 5000 ? " (5 GHz: an ESP8266 cannot use it)" : "")
                })
                _ = try reader.u16LE(.radiotap, "radiotap.channel.flags", display: hex16, meaning: { _ in "channel properties (band, modulation)" })
            case 5, 6:
                _ = try reader.u8(.radiotap, field.bit == 5 ? "radiotap.dbm_antsignal" : "radiotap.dbm_antnoise", meaning: { raw in
                    let dbm = Int(Int8(bitPattern: raw))
                    if field.bit == 6 { return "noise level \(dbm) dBm" }
                    let quality = dbm >= -50 ? "excellent" : dbm >= -67 ? "good" : dbm >= -75 ? "weak" : "very weak: expect retries and losses"
                    return "signal strength \(dbm) dBm (\(quality))"
                })
            default:
                _ = try reader.bytes(.radiotap, fieldNames[Int(field.bit)] ?? "radiotap.field", count: field.size,
                                     meaning: { _ in "radio field \(field.bit)" })
            }
        }
    }
}

/// An 802.11 MAC header.
public struct WLANHeader: Sendable, Hashable {
    /// Frame control as a little-endian value (type, subtype and flag bits).
    public var frameControl: UInt16
    /// 0 management, 1 control, 2 data.
    public var type: UInt8
    /// Subtype within the type (data: 0 data, 4 null, 8 QoS data, 12 QoS null).
    public var subtype: UInt8
    /// The body is encrypted (WEP/WPA): nothing above 802.11 can be read.
    public var isProtected: Bool
    /// The original sender (SA) and final receiver (DA), whatever the DS bits.
    public var sourceAddress: MACAddress?
    public var destinationAddress: MACAddress?
    /// The access point's address, when the frame names it.
    public var bssid: MACAddress?

    /// Data frames that are not protected and not null-function carry an LLC header.
    public var carriesLLC: Bool { type == 2 && !isProtected && subtype & 0x4 == 0 }
    /// "management", "control", "data" or "extension".
    public var typeName: String { ["management", "control", "data", "extension"][Int(type & 3)] }

    /// Reads the MAC header (and the CCMP header of protected data frames); the reader is left at the body.
    public init(from reader: inout FrameReader) throws(WireError) {
        // Frame control is little-endian on air; read byte by byte as Wireshark shows its bits.
        let fc0 = try reader.u8(.wlan, "wlan.fc.type_subtype", display: hex8, meaning: { byte in
            let type = byte >> 2 & 3, subtype = byte >> 4
            return "a \(["management", "control", "data", "extension"][Int(type)]) frame, subtype \(subtype)" + (type == 2 && subtype & 8 != 0 ? " (QoS data)" : "")
        })
        reader.bits(.wlan, "wlan.fc.version", mask: 0x03, value: UInt64(fc0 & 3), meaning: { _ in "protocol version" })
        reader.bits(.wlan, "wlan.fc.type", mask: 0x0c, value: UInt64(fc0 >> 2 & 3), meaning: { "frame type \($0)" })
        reader.bits(.wlan, "wlan.fc.subtype", mask: 0xf0, value: UInt64(fc0 >> 4), meaning: { "frame subtype \($0)" })
        let fc1 = try reader.u8(.wlan, "wlan.flags", display: hex8, meaning: { _ in "direction and protection flags" })
        let bitNames: [(String, UInt8, String)] = reader.isRecording ? [
            ("wlan.fc.tods", 0x01, "going to the access point (from a station)"),
            ("wlan.fc.fromds", 0x02, "coming from the access point (to a station)"),
            ("wlan.fc.frag", 0x04, "more fragments follow"),
            ("wlan.fc.retry", 0x08, "a retransmission: the first try was not acknowledged (weak signal or interference)"),
            ("wlan.fc.pwrmgt", 0x10, "the station goes to sleep after this frame (ESP8266 modem sleep)"),
            ("wlan.fc.moredata", 0x20, "the access point has more frames buffered for a sleeping station"),
            ("wlan.fc.protected", 0x40, "the body is encrypted (WPA2/WPA3)"),
            ("wlan.fc.order", 0x80, "an HT control field is present"),
        ] : []
        for (name, mask, meaning) in bitNames {
            reader.bits(.wlan, name, mask: UInt64(mask), value: fc1 & mask == 0 ? 0 : 1, meaning: { $0 == 1 ? meaning : "not set" })
        }
        frameControl = UInt16(fc0) | UInt16(fc1) << 8
        type = fc0 >> 2 & 3
        subtype = fc0 >> 4
        isProtected = fc1 & 0x40 != 0
        _ = try reader.u16LE(.wlan, "wlan.duration", meaning: { "the medium is reserved for \($0 & 0x7fff) µs" })
        func address(_ name: String, _ meaning: String) throws(WireError) -> MACAddress {
            MACAddress(bytes: try reader.bytes(.wlan, name, count: 6, display: { MACAddress(bytes: $0).description },
                                               meaning: { macMeaning(MACAddress(bytes: $0), role: meaning) }))
        }
        let toDS = fc1 & 1 != 0, fromDS = fc1 & 2 != 0
        // Address roles by the DS bits (IEEE 802.11-2020 Table 9-30).
        if type == 1 {
            destinationAddress = try address("wlan.ra", "the receiver")
            if subtype != 12 && subtype != 13 && reader.remaining >= 6 { sourceAddress = try address("wlan.ta", "the transmitter") }
            return
        }
        let a1 = try address(toDS ? "wlan.bssid" : "wlan.da", toDS ? "the access point (BSSID)" : "the destination")
        let a2 = try address(fromDS ? "wlan.bssid" : "wlan.sa", fromDS ? "the access point (BSSID)" : "the source")
        let a3Name = toDS && fromDS ? "wlan.da" : toDS ? "wlan.da" : fromDS ? "wlan.sa" : "wlan.bssid"
        let a3 = try address(a3Name, a3Name == "wlan.bssid" ? "the network (BSSID)" : toDS ? "the final destination" : "the original source")
        let sequence = try reader.u16LE(.wlan, "wlan.seq_ctl", display: hex16, meaning: { "sequence number \($0 >> 4), fragment \($0 & 0xf)" })
        reader.bits(.wlan, "wlan.seq", mask: 0xfff0, value: UInt64(sequence >> 4), meaning: { "sequence number \($0): a repeat means a retransmission" })
        reader.bits(.wlan, "wlan.frag", mask: 0x000f, value: UInt64(sequence & 0xf), meaning: { "fragment number \($0)" })
        var a4: MACAddress?
        if toDS && fromDS { a4 = try address("wlan.sa", "the original source (mesh or bridge)") }
        switch (toDS, fromDS) {
        case (false, false): destinationAddress = a1; sourceAddress = a2; bssid = a3
        case (true, false): bssid = a1; sourceAddress = a2; destinationAddress = a3
        case (false, true): destinationAddress = a1; bssid = a2; sourceAddress = a3
        case (true, true): destinationAddress = a3; sourceAddress = a4
        }
        if type == 2 && subtype & 0x8 != 0 {
            _ = try reader.u16LE(.wlan, "wlan.qos", display: hex16, meaning: { "quality of service: traffic priority \($0 & 7)" })
            if fc1 & 0x80 != 0 {
                _ = try reader.u32LE(.wlan, "wlan.htc", display: hex32, meaning: { _ in "HT control field" })
            }
        }
        if isProtected, type == 2 {
            _ = try reader.bytes(.wlan, "wlan.ccmp.extiv", count: 8, meaning: { _ in "CCMP header: packet number and key id for WPA2 encryption" })
        }
    }
}
