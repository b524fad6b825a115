import Wire

/// `socketscope explain`: one frame, field by field — offset, bytes, Wireshark field name, value and one sentence
/// of meaning — then a hex/ASCII dump with each byte marked by its layer. Text for people, JSON for tools.
///
/// Everything printed comes from the `Field` records the decoders wrote (`FrameDecoder.decode(…, recordFields:
/// true)`); nothing here re-reads the packet except the hex dump.
public enum ExplainRenderer {
    // MARK: Choosing the frame

    /// True when the frame's transport payload starts an HTTP GET request: the frame a student most likely wants
    /// explained.
    public static func startsHTTPGet(_ frame: DecodedFrame, bytes: [UInt8]) -> Bool {
        if let http = frame.httpHead(in: bytes) { return http.isRequest && http.method == "GET" }
        guard frame.tcp != nil, frame.payloadLength >= 4, frame.payloadOffset >= 0,
              frame.payloadOffset <= bytes.count - 4 else { return false }
        return bytes[frame.payloadOffset..<(frame.payloadOffset + 4)].elementsEqual("GET ".utf8)
    }

    /// The 1-based number of the frame `explain` shows without `--frame`: the first frame that starts an HTTP GET,
    /// else frame 1. Decodes on the fast path.
    public static func defaultFrameNumber<S: Sequence>(_ frames: S) -> Int
    where S.Element == (bytes: [UInt8], linkType: UInt32) {
        var number = 0
        for frame in frames {
            number += 1
            let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
            if startsHTTPGet(decoded, bytes: frame.bytes) { return number }
        }
        return 1
    }

    // MARK: Layers

    /// One letter per layer for the hex dump's marker row.
    public static func letter(_ layer: Layer) -> Character {
        switch layer {
        case .eth: return "E"
        case .vlan: return "V"
        case .sll: return "S"
        case .null: return "N"
        case .radiotap: return "R"
        case .wlan: return "W"
        case .llc: return "L"
        case .arp: return "A"
        case .ipv4: return "4"
        case .ipv6: return "6"
        case .icmp, .icmpv6: return "C"
        case .tcp: return "T"
        case .udp: return "U"
        case .dns: return "D"
        case .dhcp: return "B"
        case .http: return "H"
        case .payload: return "P"
        case .padding: return "_"
        case .trailer: return "Z"
        case .frame: return "?"
        }
    }

    /// ANSI SGR colour code per layer.
    static func colour(_ layer: Layer) -> String {
        switch layer {
        case .eth, .sll, .null, .vlan: return "34"
        case .radiotap, .wlan, .llc: return "35"
        case .arp: return "33;1"
        case .ipv4, .ipv6: return "32"
        case .icmp, .icmpv6: return "31"
        case .tcp: return "33"
        case .udp: return "36"
        case .dns, .dhcp, .http: return "95"
        case .payload: return "37"
        case .padding, .trailer, .frame: return "90"
        }
    }

    static func title(_ layer: Layer) -> String {
        switch layer {
        case .eth: return "Ethernet II"
        case .vlan: return "802.1Q VLAN tag"
        case .sll: return "Linux cooked capture"
        case .null: return "BSD loopback"
        case .radiotap: return "Radiotap (radio information)"
        case .wlan: return "IEEE 802.11 (Wi-Fi)"
        case .llc: return "802.2 LLC / SNAP"
        case .arp: return "ARP"
        case .ipv4: return "IPv4"
        case .ipv6: return "IPv6"
        case .icmp: return "ICMP"
        case .icmpv6: return "ICMPv6"
        case .tcp: return "TCP"
        case .udp: return "UDP"
        case .dns: return "DNS"
        case .dhcp: return "DHCP"
        case .http: return "HTTP"
        case .payload: return "Data"
        case .padding: return "Ethernet padding"
        case .trailer: return "Trailer"
        case .frame: return "Frame"
        }
    }

    // MARK: Text

    /// The text explanation. `color` adds ANSI colours per layer; packet-derived text is always escaped.
    public static func text(frame: DecodedFrame, bytes: [UInt8], frameNumber: Int, originalLength: Int,
                            color: Bool) -> String {
        let palette = Palette(enabled: color)
        var out = ""
        out += palette.paint("Frame \(frameNumber)", "1") + ": \(originalLength) bytes on the wire, \(bytes.count) captured"
        if originalLength > bytes.count { out += " (the capture kept only the first \(bytes.count))" }
        out += "\n"
        for line in summaryLines(frame) { out += "  " + line + "\n" }
        var currentLayer: Layer?
        for field in frame.fields {
            if field.layer != currentLayer {
                currentLayer = field.layer
                out += "\n" + palette.paint("── \(title(field.layer)) ──", colour(field.layer)) + "\n"
            }
            render(field, depth: 0, bytes: bytes, palette: palette, into: &out)
        }
        out += "\n" + hexDump(frame: frame, bytes: bytes, palette: palette)
        return out
    }

    static func summaryLines(_ frame: DecodedFrame) -> [String] {
        var lines: [String] = []
        if let source = frame.sourceIP, let destination = frame.destinationIP {
            var line = "\(source)"
            if let tcp = frame.tcp { line += ":\(tcp.sourcePort) → \(destination):\(tcp.destinationPort) TCP" }
            else if let udp = frame.udp { line += ":\(udp.sourcePort) → \(destination):\(udp.destinationPort) UDP" }
            else { line += " → \(destination)" }
            if let tcp = frame.tcp {
                line += " [" + tcp.flags.names.joined(separator: ", ") + "]"
            }
            if frame.payloadLength > 0 || frame.payloadMissing > 0 {
                line += ", \(frame.payloadLength) bytes of payload"
                if frame.payloadMissing > 0 { line += " (+\(frame.payloadMissing) not captured)" }
            }
            lines.append(line)
        } else if let arp = frame.arp {
            lines.append("ARP \(arp.kind.rawValue): \(arp.senderIP) (\(arp.senderMAC)) → \(arp.targetIP)")
        }
        var checks: [String] = []
        if let ip = frame.ipChecksum { checks.append("IP header checksum \(ip.rawValue)") }
        if let transport = frame.transportChecksum { checks.append("transport checksum \(transport.rawValue)") }
        if !checks.isEmpty { lines.append(checks.joined(separator: ", ")) }
        if let stopped = frame.stoppedAt { lines.append("Decoding stopped: " + safe(stopped.summary)) }
        return lines
    }

    static func render(_ field: Field, depth: Int, bytes: [UInt8], palette: Palette, into out: inout String) {
        let indent = String(repeating: "  ", count: depth)
        let name = safe(field.name)
        let value = clip(safe(field.value), 40)
        let meaning = safe(field.meaning)
        if let mask = field.mask {
            let pattern = bitPattern(bytes: bytes, offset: field.offset, length: field.length, mask: mask)
            out += pad("", 6) + pad(pattern, 26) + " " + indent + pad(name, max(1, 28 - 2 * depth)) + " "
                + pad(value, 14) + " " + meaning + "\n"
        } else {
            let hex = hexPreview(bytes, field.offset, field.length)
            out += pad(String(field.offset), 6) + palette.paint(pad(hex, 26), colour(field.layer)) + " " + indent
                + pad(name, max(1, 28 - 2 * depth)) + " " + pad(value, 14) + " " + meaning + "\n"
        }
        for child in field.children {
            render(child, depth: depth + 1, bytes: bytes, palette: palette, into: &out)
        }
    }

    /// Terminal-safe text: C0/C1 controls and DEL become `\xNN`, bidirectional controls and line separators
    /// `\u{…}`. Backslashes pass through, so values the decoders already show escaped ("\r\n") stay readable.
    public static func safe(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0..<0x20, 0x7f, 0x80..<0xa0:
                let digits = String(value, radix: 16)
                out += "\\x" + (digits.count < 2 ? "0" : "") + digits
            case 0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a...0x202e, 0x2066...0x2069:
                out += "\\u{" + String(value, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Wireshark-style bit picture: ".1.. ...." for a mask over the holding bytes (at most 4 bytes shown).
    static func bitPattern(bytes: [UInt8], offset: Int, length: Int, mask: UInt64) -> String {
        guard length > 0, length <= 4, offset >= 0, offset <= bytes.count - length else { return "" }
        var value: UInt64 = 0
        for byte in bytes[offset..<(offset + length)] { value = value << 8 | UInt64(byte) }
        var out = ""
        let bits = length * 8
        for index in 0..<bits {
            let bit = UInt64(1) << UInt64(bits - 1 - index)
            if index > 0 && index % 4 == 0 { out += index % 8 == 0 ? " " : "" }
            out += mask & bit == 0 ? "." : (value & bit == 0 ? "0" : "1")
        }
        return out
    }

    static func hexPreview(_ bytes: [UInt8], _ offset: Int, _ length: Int) -> String {
        guard offset >= 0, length > 0, offset <= bytes.count else { return "" }
        let shown = min(length, 8, bytes.count - offset)
        var out = bytes[offset..<(offset + shown)].map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count < 2 ? "0" + digits : digits
        }.joined(separator: " ")
        if length > shown { out += " …" }
        return out
    }

    static func pad(_ text: String, _ width: Int) -> String {
        let count = text.count
        return count >= width ? text : text + String(repeating: " ", count: width - count)
    }

    static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    /// Which layer each byte belongs to (the innermost byte field holding it).
    public static func layerMap(frame: DecodedFrame, count: Int) -> [Layer?] {
        var map = [Layer?](repeating: nil, count: count)
        for leaf in frame.fields.flatMap({ $0.innermostByteFields }) {
            let lower = max(0, leaf.offset), upper = min(count, leaf.offset + leaf.length)
            guard lower < upper else { continue }
            for index in lower..<upper { map[index] = leaf.layer }
        }
        return map
    }

    /// 16 bytes a row: offset, hex (coloured by layer), ASCII, and a row of layer letters under the hex.
    static func hexDump(frame: DecodedFrame, bytes: [UInt8], palette: Palette) -> String {
        let map = layerMap(frame: frame, count: bytes.count)
        var out = ""
        var seen: [Layer] = []
        for layer in map.compactMap({ $0 }) where !seen.contains(layer) { seen.append(layer) }
        out += "Bytes (" + seen.map { palette.paint("\(letter($0))=\($0.rawValue)", colour($0)) }.joined(separator: " ") + ")\n"
        var row = 0
        while row < bytes.count {
            let end = min(row + 16, bytes.count)
            let offsetText = String(row, radix: 16)
            var hexLine = String(repeating: "0", count: max(0, 4 - offsetText.count)) + offsetText + "  "
            var letters = "      "
            var ascii = ""
            for index in row..<end {
                let byte = bytes[index]
                let digits = String(byte, radix: 16)
                let cell = (digits.count < 2 ? "0" + digits : digits)
                let layer = map[index]
                hexLine += (layer.map { palette.paint(cell, colour($0)) } ?? cell) + " "
                letters += String(layer.map(letter) ?? "?") + "  "
                let char = (0x20..<0x7f).contains(byte) ? String(UnicodeScalar(byte)) : "."
                ascii += layer.map { palette.paint(char, colour($0)) } ?? char
                if index - row == 7 { hexLine += " "; letters += " " }
            }
            let missing = 16 - (end - row)
            hexLine += String(repeating: "   ", count: missing) + (missing > 8 ? " " : "")
            out += hexLine + " " + ascii + "\n" + letters + "\n"
            row = end
        }
        return out
    }

    // MARK: JSON

    /// `{"frame":N,"length":wire,"caplen":captured,"fields":[{"layer","name","offset","length","value","meaning",
    /// "children":[…]} (+ "mask" on bit fields)]}`. Always valid JSON, whatever bytes the values came from.
    public static func json(frame: DecodedFrame, bytes: [UInt8], frameNumber: Int, originalLength: Int) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("frame", frameNumber)
        writer.field("length", originalLength)
        writer.field("caplen", bytes.count)
        writer.key("fields")
        writer.arrayValue()
        for field in frame.fields { write(field, into: &writer) }
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func write(_ field: Field, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("layer", field.layer.rawValue)
        writer.field("name", field.name)
        writer.field("offset", field.offset)
        writer.field("length", field.length)
        if let mask = field.mask { writer.field("mask", mask) }
        writer.field("value", field.value)
        writer.field("meaning", field.meaning)
        writer.key("children")
        writer.arrayValue()
        for child in field.children { write(child, into: &writer) }
        writer.endArray()
        writer.endObject()
    }
}
