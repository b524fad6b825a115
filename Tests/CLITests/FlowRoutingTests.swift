import Capture
import Foundation
import Testing
import Wire
@testable import socketscope

/// The reading thread routes frames by a hash of their IP addresses peeked straight from the headers; it must
/// agree with the full decoder, be the same both ways, and never read past a short frame.
@Suite struct FlowRoutingTests {
    @Test func peekAgreesWithTheDecoderOnEveryCapture() throws {
        var peeked = 0
        for path in ThreadsTests.captures {
            try? CaptureInput.forEachFrame(in: [path]) { frame in
                guard let hash = FlowRouting.peekedPairHash(frame.bytes, linkType: frame.linkType) else { return true }
                let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
                if let source = decoded.sourceIP, let destination = decoded.destinationIP {
                    #expect(hash == FlowRouting.pairHash(source, destination), "\(path) frame \(frame.number)")
                    #expect(hash == FlowRouting.pairHash(destination, source))
                    peeked += 1
                }
                return true
            }
        }
        #expect(peeked > 1000)
    }

    @Test func everyTruncationIsSafe() {
        // Ethernet + 802.1Q tag + IPv4 header: every prefix either peeks nothing or the full frame's hash.
        let ethernet: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00]
        let ipv4: [UInt8] = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        let frame = ethernet + ipv4
        let full = FlowRouting.peekedPairHash(frame, linkType: 1)
        #expect(full == FlowRouting.pairHash(.v4(0x0A00_0001), .v4(0x0A00_0002)))
        for length in 0..<frame.count {
            #expect(FlowRouting.peekedPairHash(Array(frame.prefix(length)), linkType: 1) == nil, "length \(length)")
        }
        // A raw-IP link type whose packet says another version is left to the decoder.
        #expect(FlowRouting.peekedPairHash([0x60] + ipv4.dropFirst(), linkType: 228) == nil)
    }

    @Test func thePeeksItUsesAreBoundsChecked() {
        let reader = FrameReader(bytes: [0x12, 0x34, 0x56, 0x78])
        #expect(reader.peekU32(at: 0) == 0x1234_5678)
        #expect(reader.peekU16(at: 2) == 0x5678)
        #expect(reader.peekU8(at: 3) == 0x78)
        #expect(reader.peekU32(at: 1) == nil)
        #expect(reader.peekU16(at: 3) == nil)
        #expect(reader.peekU8(at: 4) == nil)
        #expect(reader.peekU8(at: -1) == nil)
        #expect(reader.peekU32(at: Int.max - 1) == nil)
        #expect(reader.peekU16(at: Int.min) == nil)
        #expect(FrameReader(bytes: []).peekU16(at: 0) == nil)
    }
}
