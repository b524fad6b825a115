import Testing
import Wire

/// The one MAC and dotted-quad formatter that `description`, JSON and text output share.
@Suite struct AddressTextTests {
    static func written(capacity: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int) -> (String, Int) {
        var storage = [UInt8](repeating: 0x2a, count: capacity)
        let count = storage.withUnsafeMutableBufferPointer { write($0) }
        return (String(decoding: storage.prefix(count), as: UTF8.self), count)
    }

    @Test func dottedQuads() {
        let cases: [(UInt32, String)] = [
            (0, "0.0.0.0"), (0xffff_ffff, "255.255.255.255"), (0x0a2a_0001, "10.42.0.1"),
            (0xc0a8_0402, "192.168.4.2"), (0x6409_630a, "100.9.99.10"),
        ]
        for (value, text) in cases {
            let (out, count) = Self.written(capacity: 15) { IPAddress.writeDottedQuad(value, into: $0) }
            #expect(out == text)
            #expect(count == text.utf8.count)
            #expect(IPAddress.v4(value).description == text)
        }
    }

    @Test func macText() {
        let mac = MACAddress(rawValue: 0x5ccf_7f01_0203)
        let (out, count) = Self.written(capacity: 17) { mac.writeText(into: $0) }
        #expect(out == "5c:cf:7f:01:02:03")
        #expect(count == MACAddress.textLength)
        #expect(mac.description == out)
        #expect(MACAddress.broadcast.description == "ff:ff:ff:ff:ff:ff")
        #expect(MACAddress(rawValue: 0).description == "00:00:00:00:00:00")
    }

    /// A buffer too short for the longest text gets nothing written, never a partial address or a store past it.
    @Test func shortBuffersAreLeftAlone() {
        let (quad, quadCount) = Self.written(capacity: 14) { IPAddress.writeDottedQuad(0x0101_0101, into: $0) }
        #expect(quadCount == 0)
        #expect(quad.isEmpty)
        let (mac, macCount) = Self.written(capacity: 16) { MACAddress(rawValue: 1).writeText(into: $0) }
        #expect(macCount == 0)
        #expect(mac.isEmpty)
    }
}
