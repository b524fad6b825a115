/// When a live capture's file moves on to the next one (as tcpdump's -C, -G and -W do).
public struct RotationPolicy: Sendable {
    /// Start a new file once this one holds at least this many bytes.
    public var maxBytes: Int?
    /// Start a new file after this many seconds of capture time.
    public var maxSeconds: Int64?
    /// Keep at most this many files, reusing the oldest name (a ring); nil keeps every file.
    public var fileCount: Int?

    public init(maxBytes: Int? = nil, maxSeconds: Int64? = nil, fileCount: Int? = nil) {
        self.maxBytes = maxBytes
        self.maxSeconds = maxSeconds
        self.fileCount = fileCount
    }

    public var rotates: Bool { maxBytes != nil || maxSeconds != nil }

    /// Parses "10MB", "500k", "1G" (bytes) or "60s", "5m", "1h" (time).
    public static func parse(_ text: String) -> RotationPolicy? {
        let lower = text.lowercased()
        let digits = lower.prefix { $0.isNumber }
        guard let number = Int64(digits), number > 0 else { return nil }
        let unit = lower.dropFirst(digits.count)
        let sizes: [String: Int64] = ["": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20,
                                      "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30]
        let times: [String: Int64] = ["s": 1, "sec": 1, "min": 60, "h": 3600]
        if let scale = sizes[String(unit)] {
            let (bytes, overflow) = number.multipliedReportingOverflow(by: scale)
            return overflow ? nil : RotationPolicy(maxBytes: Int(bytes))
        }
        if let scale = times[String(unit)] { return RotationPolicy(maxSeconds: number * scale) }
        return nil
    }
}

/// A pcap writer that moves to a new file by size or time: board.pcap becomes board-1.pcap, board-2.pcap…
/// Every file is a complete, valid capture on its own.
public final class RotatingPcapWriter {
    public let basePath: String
    private let linkType: UInt32
    private let snapLength: UInt32
    private let policy: RotationPolicy
    private var current: PcapWriter
    private var index = 1
    private var fileStart: Int64?
    /// Frames in the files written before the current one.
    private var earlierFrames = 0
    /// Frames written over all files.
    public var framesWritten: Int { earlierFrames + current.framesWritten }
    /// Every path written so far, in order.
    public private(set) var paths: [String] = []

    public init(path: String, linkType: UInt32, snapLength: UInt32, policy: RotationPolicy) throws(CaptureError) {
        basePath = path
        self.linkType = linkType
        self.snapLength = snapLength
        self.policy = policy
        let first = policy.rotates ? Self.numbered(path, 1) : path
        current = try PcapWriter(path: first, linkType: linkType, snapLength: snapLength)
        paths = [first]
    }

    /// "board.pcap" → "board-3.pcap"; without an extension, "board" → "board-3".
    public static func numbered(_ path: String, _ number: Int) -> String {
        let slash = path.lastIndex(of: "/")
        if let dot = path.lastIndex(of: "."), slash.map({ dot > $0 }) ?? true, dot != path.startIndex {
            return String(path[..<dot]) + "-\(number)" + String(path[dot...])
        }
        return path + "-\(number)"
    }

    public func write(_ frame: Frame) throws(CaptureError) {
        if policy.rotates {
            let start = fileStart ?? frame.seconds
            fileStart = start
            let full = policy.maxBytes.map { current.size + 16 + frame.capturedLength > $0 && current.framesWritten > 0 } ?? false
            let old = policy.maxSeconds.map { frame.seconds - start >= $0 } ?? false
            if full || old { try rotate(at: frame.seconds) }
        }
        try current.write(frame)
    }

    private func rotate(at seconds: Int64) throws(CaptureError) {
        try current.flush()
        current.close()
        earlierFrames += current.framesWritten
        index += 1
        var number = index
        if let ring = policy.fileCount, ring > 0 { number = (index - 1) % ring + 1 }
        let path = Self.numbered(basePath, number)
        current = try PcapWriter(path: path, linkType: linkType, snapLength: snapLength)
        if !paths.contains(path) { paths.append(path) }
        fileStart = seconds
    }

    /// Writes buffered records now (the capture went idle).
    public func flush() throws(CaptureError) { try current.flush() }

    public func close() { current.close() }
}
