import Foundation
import Testing
@testable import Wire

private func decodeDHCP(_ bytes: [UInt8], prefix: Int = 0) -> (DHCPMessage?, DHCPMessage?, WireError?, [Field], Int) {
    let recorder = FieldRecorder()
    var reader = FrameReader(bytes: [UInt8](repeating: 0xee, count: prefix) + bytes, recorder: recorder)
    _ = try? reader.skip(prefix, .payload)
    var partial: DHCPMessage?
    do {
        let message = try DHCPMessage.decode(&reader, partial: &partial)
        recorder.closeAll(at: reader.offset)
        return (message, nil, nil, recorder.fields, reader.offset)
    } catch {
        recorder.closeAll(at: reader.offset)
        return (nil, partial, error, recorder.fields, reader.offset)
    }
}

/// A DISCOVER shaped like the ESP8266 SDK's (docs/ESP8266.md §3): options 53, 57, 12, 55 with 12 entries, end,
/// padding to 300 bytes.
private func espDiscover(options: [UInt8]? = nil) -> [UInt8] {
    var bytes: [UInt8] = [1, 1, 6, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0]
    bytes += [UInt8](repeating: 0, count: 16)
    bytes += [0x5c, 0xcf, 0x7f, 0x01, 0x02, 0x03] + [UInt8](repeating: 0, count: 10)
    bytes += [UInt8](repeating: 0, count: 192)
    bytes += [99, 130, 83, 99]
    bytes += options ?? ([53, 1, 1, 57, 2, 0x05, 0xdc, 12, 10] + Array("ESP_010203".utf8)
        + [55, 12, 1, 3, 28, 6, 15, 44, 46, 47, 31, 33, 121, 43, 255])
    while bytes.count < 300 { bytes.append(0) }
    return bytes
}

@Suite struct DHCPTests {
    static let fixtures = ["dhcp/discover.txt", "dhcp/offer.txt", "dhcp/ack.txt", "dhcp/zeek_offer_many_options.txt",
                           "dhcp/zeek_nak.txt"]

    @Test(arguments: fixtures)
    func matchesTshark(_ path: String) throws {
        let fixture = try AppLayerFixture.load(path)
        #expect(fixture.fields.count > 20)
        let (message, _, error, fields, end) = decodeDHCP(fixture.bytes)
        #expect(error == nil)
        #expect(message?.hasMagicCookie == true)
        #expect(end == fixture.bytes.count)
        // tshark files the end option under dhcp.option.type (value 0) as well; the Aruba option-43 decoding is
        // vendor-specific and shown raw here.
        let expected = fixture.fields.filter { !($0.name == "dhcp.option.type" && $0.value == "0") }
        let missing = AppLayerFixture.missing(expected, in: fields, ignoring: ["dhcp.option.vendor.arubaap.controllerip"])
        #expect(missing.isEmpty, "not matching tshark: \(missing.prefix(5))")
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
    }

    @Test func ackValues() throws {
        let fixture = try AppLayerFixture.load("dhcp/ack.txt")
        let message = try #require(decodeDHCP(fixture.bytes, prefix: 42).0)
        #expect(message.op == 2)
        #expect(message.messageType == 5)
        #expect(message.serverIdentifier == IPAddress("192.168.1.5"))
        #expect(message.leaseTime == 600)
        #expect(message.subnetMask == IPAddress("255.255.255.0"))
        #expect(message.routers == [IPAddress("192.168.1.254")].compactMap { $0 })
        #expect(message.dnsServers.map(\.description) == ["192.168.1.1", "192.168.1.2"])
        #expect(message.sawEnd)
    }

    @Test func espDiscoverIsExplained() throws {
        let bytes = espDiscover()
        let (message, _, error, fields, end) = decodeDHCP(bytes)
        #expect(error == nil)
        let decoded = try #require(message)
        #expect(decoded.clientMAC.description == "5c:cf:7f:01:02:03")
        #expect(decoded.hostname == "ESP_010203")
        #expect(decoded.maxMessageSize == 1500)
        #expect(decoded.parameterRequestList == [1, 3, 28, 6, 15, 44, 46, 47, 31, 33, 121, 43])
        #expect(decoded.options.map(\.code) == [53, 57, 12, 55])
        #expect(end == 300)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
        let flat = AppLayerFixture.flatten(fields)
        let list = try #require(flat.first { $0.name == "dhcp.option.type" && $0.value == "55" })
        #expect(list.meaning.hasPrefix("option 55, parameter request list: the client asks the server for: subnet mask, router, broadcast address, DNS servers"))
        #expect(flat.contains { $0.name == "dhcp.option.hostname" && $0.meaning.contains("ESP8266") })
        #expect(flat.last?.name == "dhcp.option.padding")
    }

    @Test func classlessRoutesAndUnknownOption() throws {
        let bytes = espDiscover(options: [53, 1, 5, 121, 14, 8, 10, 192, 168, 1, 1, 24, 192, 168, 5, 192, 168, 1, 2,
                                          200, 3, 0xaa, 0xbb, 0xcc, 255])
        let (message, _, error, fields, _) = decodeDHCP(bytes)
        #expect(error == nil)
        #expect(message?.options.map(\.code) == [53, 121, 200])
        let routes = AppLayerFixture.flatten(fields).filter { $0.name == "dhcp.option.classless_static_route" }.map(\.value)
        #expect(routes == ["10.0.0.0/8 via 192.168.1.1", "192.168.5.0/24 via 192.168.1.2"])
        #expect(AppLayerFixture.flatten(fields).contains { $0.name == "dhcp.option.value" && $0.value == "aa:bb:cc" })
    }

    @Test func optionLengthPastEnd() {
        var bytes = espDiscover(options: [53, 1, 1])
        bytes = Array(bytes[0..<243]) + [12, 20, 0x41, 0x42]
        let (_, partial, error, fields, end) = decodeDHCP(bytes)
        #expect(error == .invalid(layer: .dhcp, offset: 244, field: "dhcp.option.length",
                                  reason: "says 20 bytes but only 2 remain (option 12)"))
        #expect(partial?.messageType == 1)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
    }

    @Test func classlessRouteWidthAbove32() {
        let bytes = espDiscover(options: [121, 5, 33, 1, 2, 3, 4, 255])
        let (_, _, error, _, _) = decodeDHCP(bytes)
        #expect(error?.offset == 242)
    }

    @Test func wrongLengthForTypedOptionStaysRaw() throws {
        let bytes = espDiscover(options: [3, 5, 10, 0, 0, 1, 9, 53, 2, 1, 1, 255])
        let (message, _, error, fields, end) = decodeDHCP(bytes)
        #expect(error == nil)
        #expect(message?.routers == [IPAddress("10.0.0.1")].compactMap { $0 })
        #expect(message?.messageType == nil)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
    }

    @Test func bootpWithoutCookie() throws {
        let bytes = Array(espDiscover()[0..<236]) + [1, 2, 3]
        let (message, _, error, fields, end) = decodeDHCP(bytes)
        #expect(error == nil)
        #expect(message?.hasMagicCookie == false)
        #expect(end == bytes.count)
        #expect(AppLayerFixture.flatten(fields).last?.name == "dhcp.vendor_specific_options")
    }

    @Test func missingEndOptionIsAccepted() {
        let bytes = Array(espDiscover(options: [53, 1, 3])[0..<243])
        let (message, _, error, _, end) = decodeDHCP(bytes)
        #expect(error == nil && message?.sawEnd == false && end == 243)
    }

    @Test(arguments: fixtures)
    func everyTruncationThrowsWithoutTrapping(_ path: String) throws {
        let bytes = try AppLayerFixture.load(path).bytes
        for length in 0..<bytes.count {
            let (_, _, error, fields, end) = decodeDHCP(Array(bytes[0..<length]))
            if length < DHCPMessage.fixedSize {
                guard case .truncated? = error else {
                    Issue.record("length \(length): \(String(describing: error))")
                    continue
                }
            }
            #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil, "length \(length)")
        }
    }

    @Test func randomOptionsNeverTrapAndAlwaysTile() {
        var generator = SeededGenerator(seed: 0xd4c9)
        for round in 0..<3000 {
            let count = Int.random(in: 0..<80, using: &generator)
            let options = (0..<count).map { _ in
                UInt8.random(in: 0...255, using: &generator) % (round % 3 == 0 ? 255 : 64)
            }
            let bytes = espDiscover(options: options)
            let (_, _, _, fields, end) = decodeDHCP(Array(bytes.prefix(240 + count)))
            #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil, "round \(round)")
        }
    }
}
