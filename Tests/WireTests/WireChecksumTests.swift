import Testing
@testable import Wire

@Suite("Checksums")
struct WireChecksumTests {
    /// RFC 1071's reference: 16-bit big-endian words, end-around carry.
    static func reference(_ chunks: [[UInt8]]) -> UInt16 {
        let bytes = chunks.flatMap { $0 }
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let high = UInt32(bytes[index]) << 8
            let low = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            sum += high | low
            sum = (sum & 0xffff) + (sum >> 16)
            index += 2
        }
        return UInt16(sum)
    }

    @Test("fast slice path equals RFC 1071 for any split", arguments: 0..<50)
    func fastPathMatchesReference(_ seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        let chunks = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
            (0..<Int.random(in: 0...70, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        var fast = InternetChecksum()
        var generic = InternetChecksum()
        for chunk in chunks {
            let padded = [0xaa] + chunk + [0xbb]
            fast.add(padded[1..<(padded.count - 1)])  // a slice with non-zero start index
            generic.add(chunk.lazy.map { $0 })
        }
        let expected = Self.reference(chunks)
        #expect(fast.folded == expected || (expected == 0 && fast.folded == 0xffff) || (expected == 0xffff && fast.folded == 0))
        #expect(fast.folded == generic.folded)
    }

    @Test("long slices (the 32-byte loop, carries out of 64 bits) equal RFC 1071",
          arguments: [(0, 1500), (1, 1501), (2, 64), (3, 31), (4, 4096)])
    func longSlicesMatchReference(_ seed: Int, _ length: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        let random = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let ones = [UInt8](repeating: 0xff, count: length)  // every 64-bit add carries out
        let zeros = [UInt8](repeating: 0, count: length)
        for bytes in [random, ones, zeros] {
            for oddStart in [false, true] {
                var fast = InternetChecksum()
                var generic = InternetChecksum()
                if oddStart {
                    fast.add([0x5a].lazy.map { $0 })
                    generic.add([0x5a].lazy.map { $0 })
                }
                let padded = [0xaa] + bytes + [0xbb]
                fast.add(padded[1..<(padded.count - 1)])
                generic.add(bytes.lazy.map { $0 })
                #expect(fast.folded == generic.folded, "length \(length), odd start \(oddStart)")
            }
        }
        var zero = InternetChecksum()
        zero.add(zeros[...])
        #expect(zero.folded == 0)  // all zeros stay zero, never the other zero 0xffff
    }

    @Test func expectedValueForBadHeader() {
        // print-flags frame 1's IPv4 header with its checksum zeroed.
        var header: [UInt8] = [0x45, 0, 0, 0x3c, 0x1b, 0x68, 0x40, 0, 0x40, 0x06, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
        var sum = InternetChecksum()
        sum.add(header[...])
        #expect(sum.checksum == 0x2152)
        header[10] = 0x12; header[11] = 0x34
        var bad = InternetChecksum()
        bad.add(header[...])
        #expect(!bad.verifies && bad.expected(replacing: 0x1234) == 0x2152)
    }

    @Test func crc32() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xcbf4_3926)
    }
}
