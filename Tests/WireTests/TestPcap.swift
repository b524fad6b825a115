import Foundation

/// A tiny capture-file reader for tests only (classic pcap in either byte order and resolution, and pcapng
/// EPB/SPB/IDB in either byte order). The real reader lives in `Capture`; this keeps Wire's tests independent.
struct TestPacket {
    var number: Int
    var linkType: UInt32
    var originalLength: Int
    var bytes: [UInt8]
}

enum TestPcap {
    static let corpus = URL(fileURLWithPath: "/work/shared/corpus")
    static let captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Captures")

    /// Packets of a file, or nil when the file is absent or not a capture this reader understands.
    static func read(_ url: URL) -> [TestPacket]? {
        guard let data = try? Data(contentsOf: url), data.count >= 24 else { return nil }
        return parse([UInt8](data))
    }

    static func read(corpus path: String) -> [TestPacket]? { read(corpus.appendingPathComponent(path)) }

    static func parse(_ b: [UInt8]) -> [TestPacket]? {
        func u32(_ o: Int, _ le: Bool) -> UInt32? {
            guard o >= 0, o + 4 <= b.count else { return nil }
            let v = UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
            return le ? v : v.byteSwapped
        }
        func u16(_ o: Int, _ le: Bool) -> UInt16? {
            guard o >= 0, o + 2 <= b.count else { return nil }
            let v = UInt16(b[o]) | UInt16(b[o + 1]) << 8
            return le ? v : v.byteSwapped
        }
        guard let magic = u32(0, true) else { return nil }
        var packets: [TestPacket] = []
        switch magic {
        case 0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1:
            let le = magic == 0xa1b2c3d4 || magic == 0xa1b23c4d
            guard let link = u32(20, le) else { return nil }
            var o = 24
            while let incl = u32(o + 8, le), let orig = u32(o + 12, le) {
                let start = o + 16, n = Int(incl)
                guard n <= b.count - start else { break }
                packets.append(TestPacket(number: packets.count + 1, linkType: link & 0xffff, originalLength: Int(orig),
                                          bytes: Array(b[start..<(start + n)])))
                o = start + n
            }
            return packets
        case 0x0a0d0d0a:
            var o = 0
            var le = true
            var links: [UInt32] = []
            while o + 12 <= b.count {
                if u32(o, true) == 0x0a0d0d0a {
                    guard let bom = u32(o + 8, true) else { break }
                    le = bom == 0x1a2b3c4d
                    links = []
                }
                guard let type = u32(o, le), let len = u32(o + 4, le), len >= 12, Int(len) <= b.count - o else { break }
                switch type {
                case 1: if let l = u16(o + 8, le) { links.append(UInt32(l)) }
                case 6:
                    if let iface = u32(o + 8, le), let incl = u32(o + 20, le), let orig = u32(o + 24, le),
                       Int(iface) < links.count, Int(incl) <= Int(len) - 28 {
                        packets.append(TestPacket(number: packets.count + 1, linkType: links[Int(iface)],
                                                  originalLength: Int(orig),
                                                  bytes: Array(b[(o + 28)..<(o + 28 + Int(incl))])))
                    }
                case 3:
                    if let orig = u32(o + 8, le), !links.isEmpty {
                        let n = min(Int(orig), Int(len) - 16)
                        packets.append(TestPacket(number: packets.count + 1, linkType: links[0], originalLength: Int(orig),
                                                  bytes: Array(b[(o + 12)..<(o + 12 + max(0, n))])))
                    }
                default: break
                }
                o += Int(len)
            }
            return packets
        default:
            return nil
        }
    }

    /// Every capture file under the corpus and Captures/, by path.
    static func allCaptureFiles() -> [URL] {
        var urls: [URL] = []
        for root in [corpus, captures] {
            guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in e where ["pcap", "pcapng", "cap"].contains(url.pathExtension) {
                urls.append(url)
            }
        }
        return urls.sorted { $0.path < $1.path }
    }
}
