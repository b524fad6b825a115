/// HTTP/1.x start line and headers (RFC 9112) inside one segment.

/// The head of an HTTP/1.x message found at the start of a payload.
///
/// Header lines are kept as byte ranges into the message's bytes; the `[HTTPHeaderLine]` Strings are built
/// only when `headers` is read, and `header(_:)` compares names as bytes. (Building a String for every header
/// of every message was the largest cost of HTTP parsing.)
public struct HTTPHead: Sendable, Hashable {
    public var isRequest: Bool
    public var method: String?
    public var uri: String?
    public var version: String
    public var status: Int?
    public var reason: String?
    /// Header lines in order, as (name, value).
    public var headers: [HTTPHeaderLine] {
        get {
            if let explicitHeaders { return explicitHeaders }
            return source?.headerLines() ?? []
        }
        set {
            explicitHeaders = newValue
            source = nil
        }
    }
    /// True when the empty line that ends the headers is inside this payload.
    public var isComplete: Bool
    /// Bytes of start line plus headers plus the empty line (or of what was present).
    public var headLength: Int
    /// True when a line ended with a bare LF instead of CRLF.
    public var bareLF: Bool

    /// Headers set through `headers`; nil while they are read from `source`.
    private var explicitHeaders: [HTTPHeaderLine]?
    /// The scanned lines and the bytes they index (decoded heads).
    private var source: HTTPHeaderSource?

    public init(isRequest: Bool, method: String? = nil, uri: String? = nil, version: String, status: Int? = nil,
                reason: String? = nil, isComplete: Bool, headLength: Int, bareLF: Bool = false) {
        self.isRequest = isRequest
        self.method = method
        self.uri = uri
        self.version = version
        self.status = status
        self.reason = reason
        self.isComplete = isComplete
        self.headLength = headLength
        self.bareLF = bareLF
    }

    /// Header lines to be read lazily from scanned bytes. (A mutating method, not an initialiser taking the head:
    /// `self = head` copied the head, a dozen references, for every message.)
    mutating func readHeaders(_ lines: [HTTPSyntax.Line], in bytes: ArraySlice<UInt8>) {
        if lines.contains(where: { if case .header = $0 { return true } else { return false } }) {
            source = HTTPHeaderSource(bytes: bytes, lines: lines)
        }
    }

    /// The first header with this name, case-insensitively.
    public func header(_ name: String) -> String? {
        if explicitHeaders == nil, name.utf8.allSatisfy({ $0 < 0x80 }) {
            // Header names are tokens (ASCII): comparing ASCII case-folded bytes is what `lowercased()` did.
            return source?.firstValue(named: name)
        }
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The values of every header with this name (ASCII, any case), in order; no String for other headers.
    func values(ofHeader name: String) -> [String] {
        if explicitHeaders == nil, name.utf8.allSatisfy({ $0 < 0x80 }) {
            return source?.values(named: name) ?? []
        }
        let lower = name.lowercased()
        return headers.filter { $0.name.lowercased() == lower }.map(\.value)
    }

    public static func == (lhs: HTTPHead, rhs: HTTPHead) -> Bool {
        lhs.isRequest == rhs.isRequest && lhs.method == rhs.method && lhs.uri == rhs.uri
            && lhs.version == rhs.version && lhs.status == rhs.status && lhs.reason == rhs.reason
            && lhs.isComplete == rhs.isComplete && lhs.headLength == rhs.headLength && lhs.bareLF == rhs.bareLF
            && lhs.headers == rhs.headers
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(isRequest)
        hasher.combine(method)
        hasher.combine(uri)
        hasher.combine(version)
        hasher.combine(status)
        hasher.combine(reason)
        hasher.combine(isComplete)
        hasher.combine(headLength)
        hasher.combine(bareLF)
        hasher.combine(headers)
    }
}

/// A head's header lines as byte ranges into its bytes (absolute indices of `bytes`).
struct HTTPHeaderSource: Sendable {
    let bytes: ArraySlice<UInt8>
    let lines: [HTTPSyntax.Line]

    func headerLines() -> [HTTPHeaderLine] {
        var out: [HTTPHeaderLine] = []
        for case .header(let header, _) in lines {
            out.append(HTTPHeaderLine(name: HTTPSyntax.text(bytes, header.name),
                                      value: HTTPSyntax.text(bytes, header.value)))
        }
        return out
    }

    func firstValue(named name: String) -> String? {
        for case .header(let header, _) in lines where matches(header.name, name) {
            return HTTPSyntax.text(bytes, header.value)
        }
        return nil
    }

    func values(named name: String) -> [String] {
        var out: [String] = []
        for case .header(let header, _) in lines where matches(header.name, name) {
            out.append(HTTPSyntax.text(bytes, header.value))
        }
        return out
    }

    /// Whether the bytes in `range` spell `name`, ASCII letters compared without case.
    private func matches(_ range: Range<Int>, _ name: String) -> Bool {
        let lower = max(range.lowerBound, bytes.startIndex), upper = min(range.upperBound, bytes.endIndex)
        guard upper - lower == name.utf8.count else { return false }
        // Both sides as buffers (a native String's UTF-8 is contiguous): no per-byte bounds checks or iterator.
        let same = name.utf8.withContiguousStorageIfAvailable { expected in
            bytes.withUnsafeBufferPointer { have in
                // Safe: have[start + offset] with start + offset < upper - bytes.startIndex <= have.count.
                let start = lower - bytes.startIndex
                for offset in 0..<expected.count where Self.fold(have[start + offset]) != Self.fold(expected[offset]) {
                    return false
                }
                return true
            }
        }
        if let same { return same }
        var index = lower
        for expected in name.utf8 {
            guard Self.fold(bytes[index]) == Self.fold(expected) else { return false }
            index += 1
        }
        return true
    }

    @inline(__always)
    private static func fold(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
    }
}

/// One header line.
public struct HTTPHeaderLine: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

// MARK: - Syntax shared by `HTTPHead.decode` (one segment) and `HTTPParser` (a reassembled stream)

/// Line and token scanning for HTTP/1.x heads (RFC 9112 §2–§5). The one source of truth: the per-segment
/// explainer and the stream parser both call `scanHead`, so they can never disagree about a line.
///
/// Works on any byte collection indexed by absolute `Int` positions (an `ArraySlice` of a frame, the parser's
/// buffer); every access goes through `byte(_:at:)`, which returns nil outside the collection.
enum HTTPSyntax {
    /// Most bytes in a head (start line + headers + empty line). Servers commonly allow 8–64 KiB; more is not
    /// a real head.
    static let maxHeadBytes = 65_536
    /// Most header lines in one head (or one trailer section).
    static let maxHeaderCount = 100
    /// Most hex digits in a chunk size: 15 keep the value below 2^60, so it never overflows an `Int`.
    static let maxChunkSizeDigits = 15
    /// Most bytes in a chunk-size line, extensions included.
    static let maxChunkLineBytes = 4_096
    /// Longest method name accepted when guessing whether a payload starts an HTTP request.
    static let maxMethodLength = 20

    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                                            "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK",
                                            "UNLOCK", "SEARCH", "REPORT", "NOTIFY", "SUBSCRIBE", "M-SEARCH"]

    @inline(__always)
    static func byte<C: RandomAccessCollection>(_ bytes: C, at index: Int) -> UInt8?
        where C.Element == UInt8, C.Index == Int {
        guard index >= bytes.startIndex, index < bytes.endIndex else { return nil }
        return bytes[index]
    }

    /// RFC 9110 §5.6.2 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5a, 0x61...0x7a: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2a, 0x2b, 0x2d, 0x2e, 0x5e, 0x5f, 0x60, 0x7c, 0x7e: return true
        default: return false
        }
    }

    static func text<C: RandomAccessCollection>(_ bytes: C, _ range: Range<Int>) -> String
        where C.Element == UInt8, C.Index == Int {
        let lower = max(range.lowerBound, bytes.startIndex), upper = min(range.upperBound, bytes.endIndex)
        guard lower < upper else { return "" }
        // Header text is ASCII in practice: one UTF-8 copy. Other bytes (obs-text) are shown as Latin-1 would be.
        let ascii = bytes[lower..<upper].withContiguousStorageIfAvailable { buffer -> String? in
            buffer.allSatisfy { $0 < 0x80 } ? String(decoding: buffer, as: UTF8.self) : nil
        }
        if let ascii, let ascii { return ascii }
        var out = ""
        for byte in bytes[lower..<upper] { out.unicodeScalars.append(Unicode.Scalar(byte)) }
        return out
    }

    /// Where a line ends: `contentEnd` before CR LF (or a bare LF), `next` after it.
    struct LineEnd: Equatable {
        var contentEnd: Int
        var next: Int
        var bareLF: Bool
    }

    /// The end of the line starting at `start`, looking no further than `end`; nil if no LF yet.
    static func lineEnd<C: RandomAccessCollection>(_ bytes: C, from start: Int, to end: Int) -> LineEnd?
        where C.Element == UInt8, C.Index == Int {
        // The search stays inside the collection (as `byte(_:at:)` did).
        let lower = max(start, bytes.startIndex), upper = min(end, bytes.endIndex)
        guard lower == start, lower < upper else { return nil }
        let base = bytes.startIndex
        let found = bytes.withContiguousStorageIfAvailable { firstLineFeed($0, from: lower - base, to: upper - base) }
        let index: Int?
        if let found { index = found.map { $0 + base } } else { index = bytes[lower..<upper].firstIndex(of: 0x0a) }
        guard let index else { return nil }
        let hasCR = index > start && byte(bytes, at: index - 1) == 0x0d
        return LineEnd(contentEnd: hasCR ? index - 1 : index, next: index + 1, bareLF: !hasCR)
    }

    /// The first LF in `buffer[from..<to]`, eight bytes per step (header lines are tens of bytes long).
    static func firstLineFeed(_ buffer: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        var index = from
        let raw = UnsafeRawBufferPointer(buffer)
        // Safe: 0 <= from <= to <= buffer.count (the caller clamps them), and each load has 8 bytes before `to`.
        while to - index >= 8 {
            // Bytes equal to LF become zero; the classic zero-byte test (wrapping on purpose) flags the first
            // one exactly (a borrow can only flag bytes after it), lowest-addressed byte lowest.
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                ^ 0x0a0a_0a0a_0a0a_0a0a
            let zeros = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            if zeros != 0 { return index + zeros.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < to {
            if buffer[index] == 0x0a { return index }
            index += 1
        }
        return nil
    }

    /// One past the empty line that ends a head starting at `start`, when the whole head is in `bytes`, starts
    /// with a token byte (no empty lines before it) and is at most `maxHeadBytes` long; nil otherwise. The line
    /// ends are found as the stream parser's line-by-line collection finds them: a line is empty when it is a LF
    /// alone or CR LF.
    static func completeHeadEnd(_ bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        guard let first = byte(bytes, at: start), isTokenByte(first) else { return nil }
        let limit = min(bytes.endIndex, start + maxHeadBytes)
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            // Offsets into `buffer` (0-based) for the slice's indices start..<limit.
            let base = bytes.startIndex
            var lineStart = start - base
            let end = limit - base
            while let lf = firstLineFeed(buffer, from: lineStart, to: end) {
                // Safe: lineStart <= lf < end <= buffer.count.
                let length = lf - lineStart + 1
                if length == 1 || (length == 2 && buffer[lineStart] == 0x0d) { return base + lf + 1 }
                lineStart = lf + 1
            }
            return nil
        }
    }

    /// Whether the bytes at `start` begin an HTTP/1.x message: true for a request, false for a response,
    /// nil for neither (or too few bytes to tell).
    static func startKind<C: RandomAccessCollection>(_ bytes: C, from start: Int, to end: Int) -> Bool?
        where C.Element == UInt8, C.Index == Int {
        if hasVersionPrefix(bytes, at: start, end: end) { return false }
        var index = start
        while index < end, index - start <= maxMethodLength, let value = byte(bytes, at: index), isTokenByte(value) {
            index += 1
        }
        guard index > start, index - start <= maxMethodLength, byte(bytes, at: index) == 0x20, index < end else {
            return nil
        }
        if isKnownMethod(bytes, start..<index) { return true }
        // An unknown method counts only if the whole line is here and ends in an HTTP/1.x version. Most text
        // (a body segment) fails the cheap test at its second or third word, before the line end is searched.
        guard versionFollowsTarget(bytes, from: index, to: end),
              let line = lineEnd(bytes, from: start, to: min(end, start + maxHeadBytes)),
              let request = requestLine(bytes, start: start, end: line.contentEnd) else { return nil }
        return hasVersionPrefix(bytes, at: request.version.lowerBound, end: request.version.upperBound) ? true : nil
    }

    /// After a method ending at the space at `index`: spaces, a target without spaces, spaces, then "HTTP/1.".
    /// What `requestLine` plus the version test demand of a request line, checked without finding the line end
    /// first; true does not mean the line is complete (the caller goes on to check that).
    static func versionFollowsTarget<C: RandomAccessCollection>(_ bytes: C, from index: Int, to end: Int) -> Bool
        where C.Element == UInt8, C.Index == Int {
        var position = index
        while position < end, byte(bytes, at: position) == 0x20 { position += 1 }
        let target = position
        // A LF ends the line before a second space: no version (a CR inside the target is kept, as there).
        while position < end, let value = byte(bytes, at: position), value != 0x20, value != 0x0a { position += 1 }
        guard position > target, position < end, byte(bytes, at: position) == 0x20 else { return false }
        while position < end, byte(bytes, at: position) == 0x20 { position += 1 }
        return hasVersionPrefix(bytes, at: position, end: end)
    }

    /// `knownMethods.contains(text(bytes, range))`, compared as bytes (methods are ASCII; no String is built).
    static func isKnownMethod<C: RandomAccessCollection>(_ bytes: C, _ range: Range<Int>) -> Bool
        where C.Element == UInt8, C.Index == Int {
        guard range.count >= 3, range.count <= 9 else { return false }
        var code: UInt128 = 0
        for index in range {
            guard let value = byte(bytes, at: index) else { return false }
            code = code << 8 | UInt128(value)
        }
        return knownMethodCodes.contains(code)
    }

    /// The known methods' bytes packed into integers, first byte highest (at most 9 bytes; methods never start
    /// with a zero byte, so methods of different lengths never share a code).
    private static let knownMethodCodes: [UInt128] = knownMethods.map { method in
        method.utf8.reduce(0) { $0 << 8 | UInt128($1) }
    }

    /// Whether the bytes in `range` start with "HTTP/" (what `text(bytes, range).hasPrefix("HTTP/")` tested: the
    /// text is ASCII or Latin-1, where no character after "/" can combine with it).
    static func hasHTTPSlash<C: RandomAccessCollection>(_ bytes: C, _ range: Range<Int>) -> Bool
        where C.Element == UInt8, C.Index == Int {
        guard range.count >= 5 else { return false }
        return byte(bytes, at: range.lowerBound) == 0x48 && byte(bytes, at: range.lowerBound + 1) == 0x54
            && byte(bytes, at: range.lowerBound + 2) == 0x54 && byte(bytes, at: range.lowerBound + 3) == 0x50
            && byte(bytes, at: range.lowerBound + 4) == 0x2f
    }

    /// Whether "HTTP/1." starts at `start` (before `end`): compared as bytes, no String is built.
    static func hasVersionPrefix<C: RandomAccessCollection>(_ bytes: C, at start: Int, end: Int) -> Bool
        where C.Element == UInt8, C.Index == Int {
        guard end - start >= 7 else { return false }
        return byte(bytes, at: start) == 0x48 && byte(bytes, at: start + 1) == 0x54  // "HT"
            && byte(bytes, at: start + 2) == 0x54 && byte(bytes, at: start + 3) == 0x50  // "TP"
            && byte(bytes, at: start + 4) == 0x2f && byte(bytes, at: start + 5) == 0x31  // "/1"
            && byte(bytes, at: start + 6) == 0x2e  // "."
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3). Runs of spaces are tolerated and
    /// kept as one separator; the version must start with "HTTP/".
    struct RequestLine: Equatable {
        var method, space1, target, space2, version: Range<Int>
    }

    static func requestLine<C: RandomAccessCollection>(_ bytes: C, start: Int, end: Int) -> RequestLine?
        where C.Element == UInt8, C.Index == Int {
        var index = start
        while index < end, let value = byte(bytes, at: index), isTokenByte(value) { index += 1 }
        let method = start..<index
        guard !method.isEmpty else { return nil }
        let space1 = spaces(bytes, from: index, to: end)
        guard !space1.isEmpty else { return nil }
        index = space1.upperBound
        while index < end, let value = byte(bytes, at: index), value != 0x20 { index += 1 }
        let target = space1.upperBound..<index
        guard !target.isEmpty else { return nil }
        let space2 = spaces(bytes, from: index, to: end)
        guard !space2.isEmpty, space2.upperBound < end else { return nil }
        let version = space2.upperBound..<end
        guard hasHTTPSlash(bytes, version) else { return nil }
        return RequestLine(method: method, space1: space1, target: target, space2: space2, version: version)
    }

    /// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); the second space may be
    /// missing when the reason is empty.
    struct StatusLine: Equatable {
        var version, space1, code, space2, reason: Range<Int>
    }

    static func statusLine<C: RandomAccessCollection>(_ bytes: C, start: Int, end: Int) -> StatusLine?
        where C.Element == UInt8, C.Index == Int {
        var index = start
        while index < end, let value = byte(bytes, at: index), value != 0x20 { index += 1 }
        let version = start..<index
        guard hasHTTPSlash(bytes, version) else { return nil }
        let space1 = spaces(bytes, from: index, to: end)
        guard !space1.isEmpty, 3 <= end - space1.upperBound else { return nil }
        let code = space1.upperBound..<(space1.upperBound + 3)
        guard code.allSatisfy({ (byte(bytes, at: $0).map { $0 >= 0x30 && $0 <= 0x39 }) ?? false }) else { return nil }
        let space2 = spaces(bytes, from: code.upperBound, to: end)
        guard space2.upperBound == end || !space2.isEmpty else { return nil }
        return StatusLine(version: version, space1: space1, code: code, space2: space2, reason: space2.upperBound..<end)
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). No whitespace is allowed before the colon
    /// (§5.1), so such a line is not a header line.
    struct HeaderLine: Equatable {
        var name: Range<Int>
        var colon: Int
        var space: Range<Int>
        var value: Range<Int>
        var trailingSpace: Range<Int>
    }

    static func headerLine<C: RandomAccessCollection>(_ bytes: C, start: Int, end: Int) -> HeaderLine?
        where C.Element == UInt8, C.Index == Int {
        var index = start
        while index < end, let value = byte(bytes, at: index), isTokenByte(value) { index += 1 }
        guard index > start, index < end, byte(bytes, at: index) == 0x3a else { return nil }
        let colon = index
        let space = optionalWhitespace(bytes, from: colon + 1, to: end)
        var valueEnd = end
        while valueEnd > space.upperBound, let value = byte(bytes, at: valueEnd - 1), value == 0x20 || value == 0x09 {
            valueEnd -= 1
        }
        return HeaderLine(name: start..<colon, colon: colon, space: space, value: space.upperBound..<valueEnd,
                          trailingSpace: valueEnd..<end)
    }

    static func spaces<C: RandomAccessCollection>(_ bytes: C, from start: Int, to end: Int) -> Range<Int>
        where C.Element == UInt8, C.Index == Int {
        var index = start
        while index < end, byte(bytes, at: index) == 0x20 { index += 1 }
        return start..<index
    }

    static func optionalWhitespace<C: RandomAccessCollection>(_ bytes: C, from start: Int, to end: Int) -> Range<Int>
        where C.Element == UInt8, C.Index == Int {
        var index = start
        while index < end, let value = byte(bytes, at: index), value == 0x20 || value == 0x09 { index += 1 }
        return start..<index
    }

    /// One line of a head after the start line.
    enum Line: Equatable {
        case header(HeaderLine, LineEnd)
        /// Not `name: value` (no colon, space before the colon, or an obs-fold continuation line).
        case invalid(Range<Int>, LineEnd)
    }

    /// A scanned head. `end` is where scanning stopped: after the empty line when `isComplete`, otherwise at
    /// the end of the input or where a cap was hit.
    struct Head: Equatable {
        var isRequest: Bool
        var request: RequestLine?
        var status: StatusLine?
        /// The whole start line (content only) when it did not parse as `request`/`status`.
        var startContent: Range<Int>
        var startEnd: LineEnd?
        var lines: [Line] = []
        /// The empty line that ends the head.
        var emptyLine: LineEnd?
        /// Bytes of a last line whose LF has not arrived.
        var partialLine: Range<Int>?
        var end: Int
        var bareLF = false
        /// Why the head is not acceptable (a cap hit or an unreadable start line), for a malformed event.
        var problem: String?
        var isComplete: Bool { emptyLine != nil }
    }

    /// Scans the head starting at `start` (the caller has checked `startKind`). Stops after the empty line, at
    /// `end`, or at a cap.
    static func scanHead<C: RandomAccessCollection>(_ bytes: C, from start: Int, to end: Int, isRequest: Bool) -> Head
        where C.Element == UInt8, C.Index == Int {
        let limit = min(end, start + maxHeadBytes)
        var head = Head(isRequest: isRequest, startContent: start..<start, end: start)
        guard let first = lineEnd(bytes, from: start, to: limit) else {
            head.partialLine = start..<limit
            head.end = limit
            if limit < end { head.problem = "the start line is longer than \(maxHeadBytes) bytes" }
            return head
        }
        head.startEnd = first
        head.startContent = start..<first.contentEnd
        head.bareLF = first.bareLF
        if isRequest {
            head.request = requestLine(bytes, start: start, end: first.contentEnd)
            if head.request == nil { head.problem = "the request line is not \"method target version\"" }
        } else {
            head.status = statusLine(bytes, start: start, end: first.contentEnd)
            if head.status == nil { head.problem = "the status line is not \"version code reason\"" }
        }
        var position = first.next
        head.end = position
        // Room for a usual head's lines at once (growing from empty reallocated the list five or six times).
        head.lines.reserveCapacity(16)
        while true {
            guard let line = lineEnd(bytes, from: position, to: limit) else {
                if position < limit { head.partialLine = position..<limit }
                head.end = limit
                if limit < end { head.problem = "the head is longer than \(maxHeadBytes) bytes" }
                return head
            }
            head.bareLF = head.bareLF || line.bareLF
            if line.contentEnd == position {
                head.emptyLine = line
                head.end = line.next
                return head
            }
            guard head.lines.count < maxHeaderCount else {
                head.problem = "the head has more than \(maxHeaderCount) header lines"
                head.end = position
                return head
            }
            let first = byte(bytes, at: position)
            if first != 0x20, first != 0x09, let header = headerLine(bytes, start: position, end: line.contentEnd) {
                head.lines.append(.header(header, line))
            } else {
                head.lines.append(.invalid(position..<line.contentEnd, line))
                if head.problem == nil {
                    head.problem = first == 0x20 || first == 0x09
                        ? "a header line is folded onto the previous one (obsolete, RFC 9112 §5.2)"
                        : "a header line is not \"name: value\""
                }
            }
            position = line.next
            head.end = position
        }
    }

    /// The value type for a scanned head.
    static func makeHead(_ scan: Head, _ bytes: ArraySlice<UInt8>, start: Int) -> HTTPHead {
        var head: HTTPHead
        if let request = scan.request {
            head = HTTPHead(isRequest: true, method: text(bytes, request.method), uri: text(bytes, request.target),
                            version: text(bytes, request.version), isComplete: scan.isComplete,
                            headLength: scan.end - start, bareLF: scan.bareLF)
        } else if let status = scan.status {
            head = HTTPHead(isRequest: false, version: text(bytes, status.version),
                            status: Int(text(bytes, status.code)), reason: text(bytes, status.reason),
                            isComplete: scan.isComplete, headLength: scan.end - start, bareLF: scan.bareLF)
        } else {
            head = HTTPHead(isRequest: scan.isRequest, version: "", isComplete: scan.isComplete,
                            headLength: scan.end - start, bareLF: scan.bareLF)
        }
        // Header Strings are built only if someone asks (`HTTPHead.headers`, `header(_:)`).
        head.readHeaders(scan.lines, in: bytes)
        return head
    }

    /// Wireshark's field for a header's value, or nil for headers it files under `http.unknown_header`
    /// (`http.request.line` / `http.response.line` cover every line either way).
    static func fieldName(forHeader name: String) -> String? {
        switch name.lowercased() {
        case "host": return "http.host"
        case "user-agent": return "http.user_agent"
        case "content-length": return "http.content_length_header"
        case "content-type": return "http.content_type"
        case "connection": return "http.connection"
        case "transfer-encoding": return "http.transfer_encoding"
        case "content-encoding": return "http.content_encoding"
        case "accept": return "http.accept"
        case "accept-encoding": return "http.accept_encoding"
        case "accept-language": return "http.accept_language"
        case "server": return "http.server"
        case "date": return "http.date"
        case "location": return "http.location"
        case "cache-control": return "http.cache_control"
        case "cookie": return "http.cookie"
        case "set-cookie": return "http.set_cookie"
        case "referer": return "http.referer"
        case "last-modified": return "http.last_modified"
        case "authorization": return "http.authorization"
        case "www-authenticate": return "http.www_authenticate"
        case "upgrade": return "http.upgrade"
        case "x-forwarded-for": return "http.x_forwarded_for"
        default: return nil
        }
    }

    /// One plain sentence about a header.
    static func headerMeaning(_ name: String, _ value: String, isRequest: Bool) -> String {
        switch name.lowercased() {
        case "host": return "which site on the server is meant (required in HTTP/1.1; one server can host many names)"
        case "user-agent": return "the program that sent the request"
        case "content-length": return "the body is exactly \(value) bytes long; the reader stops there"
        case "content-type": return "what kind of data the body holds (\(value))"
        case "connection":
            let lower = value.lowercased()
            if lower.contains("close") { return "close: the connection ends after this message" }
            if lower.contains("keep-alive") { return "keep-alive: the connection stays open for more requests" }
            return "connection options for this hop"
        case "transfer-encoding":
            return value.lowercased().contains("chunked")
                ? "chunked: the body comes in pieces, each led by its size in hex, ending with a 0-size piece"
                : "how the body is encoded for transfer"
        case "content-encoding": return "the body is compressed (\(value)); unpack it to read it"
        case "accept": return "which kinds of data the client wants back"
        case "accept-encoding": return "which compressions the client can unpack"
        case "server": return "the server software"
        case "date": return "when the server sent the response"
        case "location": return "where to go instead (with a 3xx status) or where the new resource is"
        case "cookie": return "cookies the client sends back to the server"
        case "set-cookie": return "a cookie the server asks the client to store"
        default: return isRequest ? "a request header" : "a response header"
        }
    }

    static func methodMeaning(_ method: String) -> String {
        switch method {
        case "GET": return "the method — fetch the resource"
        case "HEAD": return "the method — like GET but only the head, no body, comes back"
        case "POST": return "the method — send data (the body) for the server to process"
        case "PUT": return "the method — store the body at this address"
        case "DELETE": return "the method — remove the resource"
        case "OPTIONS": return "the method — ask what the server allows"
        case "CONNECT": return "the method — open a tunnel through a proxy"
        case "PATCH": return "the method — change part of the resource"
        default: return "the method — what the client asks the server to do"
        }
    }

    static func statusMeaning(_ code: Int) -> String {
        switch code {
        case 100: return "100 Continue: go ahead and send the body"
        case 101: return "101 Switching Protocols: the connection changes protocol (e.g. WebSocket)"
        case 200: return "200 OK: it worked; the body is the answer"
        case 201: return "201 Created: a new resource was made"
        case 204: return "204 No Content: it worked, and there is no body"
        case 301, 302, 307, 308: return "\(code): redirect — the resource is at the Location header's address"
        case 304: return "304 Not Modified: the cached copy is still good; no body"
        case 400: return "400 Bad Request: the server could not understand the request"
        case 401, 403: return "\(code): not allowed — authentication or permission is missing"
        case 404: return "404 Not Found: nothing at that path on this server"
        case 500: return "500 Internal Server Error: the server's program failed"
        case 502, 503, 504: return "\(code): a gateway or the server is unavailable or overloaded"
        default:
            switch code / 100 {
            case 1: return "\(code): informational; the real response follows"
            case 2: return "\(code): success"
            case 3: return "\(code): redirection"
            case 4: return "\(code): the client's request was wrong"
            case 5: return "\(code): the server failed"
            default: return "\(code): not a standard status class"
            }
        }
    }
}

// MARK: - Decoder (one payload)

extension HTTPHead {
    /// Decodes an HTTP/1.x head at the start of this payload (`reader.offset..<reader.end`). Returns nil, having
    /// recorded and consumed nothing, unless the bytes start like a request line or a status line. Otherwise
    /// records the start line split into its parts, each header line split into name, colon, spaces, value and
    /// line end, the empty line, and any following bytes as one `http.file_data` field, and consumes to `end`.
    public static func decode(_ reader: inout FrameReader) -> HTTPHead? {
        let start = reader.offset, end = reader.end
        guard let isRequest = startKind(reader) else { return nil }
        let bytes = reader.slice(start..<end)
        let scan = HTTPSyntax.scanHead(bytes, from: start, to: end, isRequest: isRequest)
        let head = HTTPSyntax.makeHead(scan, bytes, start: start)
        if reader.isRecording { recordHead(&reader, scan, bytes) }
        // Everything scanned is recorded above; what follows the head is body (or, past a cap, unread head).
        if reader.offset != scan.end { try? reader.seek(to: scan.end, .http) }
        if reader.remaining > 0 {
            let count = reader.remaining
            let isBody = scan.isComplete
            _ = try? reader.bytes(.http, isBody ? "http.file_data" : "http.unparsed", count: count,
                                  display: { isBody ? appPrintable($0.prefix(64)) : "\(count) bytes" }) { _ in
                isBody ? "\(count) byte(s) of body (or of the next message) in this segment"
                    : "\(count) byte(s) of head this tool stopped reading: \(scan.problem ?? "a limit was reached")"
            }
        }
        return head
    }

    /// Whether `decode` would find a head here (true: a request, false: a response), without reading it: the
    /// fast path notes that the payload starts with one and leaves the head to be read when asked for
    /// (`DecodedFrame.httpHead(in:)`).
    static func startKind(_ reader: FrameReader) -> Bool? {
        let start = reader.offset, end = reader.end
        // Most payloads are not a head: one starts with a method or "HTTP/1.", a token byte either way.
        guard start < end, let first = reader.peekU8(at: start), HTTPSyntax.isTokenByte(first) else { return nil }
        return HTTPSyntax.startKind(reader.slice(start..<end), from: start, to: end)
    }

    private static func recordHead(_ reader: inout FrameReader, _ scan: HTTPSyntax.Head, _ bytes: ArraySlice<UInt8>) {
        func take(_ name: String, _ range: Range<Int>, _ meaning: String) {
            takeValue(name, range, nil, meaning)
        }
        func takeValue(_ name: String, _ range: Range<Int>, _ value: String?, _ meaning: String) {
            guard !range.isEmpty, range.lowerBound == reader.offset else { return }
            let text = value ?? HTTPSyntax.text(bytes, range)
            _ = try? reader.bytes(.http, name, count: range.count, display: { _ in text }) { _ in meaning }
        }
        func lineEnd(_ end: HTTPSyntax.LineEnd, _ meaning: String) {
            takeValue("http.crlf", end.contentEnd..<end.next, end.bareLF ? "\\n" : "\\r\\n",
                 end.bareLF ? meaning + " — a bare LF; HTTP asks for CR LF" : meaning)
        }
        let isRequest = scan.isRequest
        let lineName = isRequest ? "http.request.line" : "http.response.line"
        guard scan.startEnd != nil else {
            // The start line itself continues in the next segment: one field, no split.
            if let partial = scan.partialLine {
                take(isRequest ? "http.request" : "http.response", partial,
                     "the start of the \(isRequest ? "request" : "status") line; it continues in the next segment")
            }
            return
        }
        // Start line
        let startText = HTTPSyntax.text(bytes, scan.startContent) + (scan.startEnd.map { $0.bareLF ? "\\n" : "\\r\\n" } ?? "")
        reader.beginGroup(.http, isRequest ? "http.request" : "http.response", value: { startText }, meaning: {
            isRequest ? "the request line: what the client asks for" : "the status line: how the server answers"
        })
        if let request = scan.request {
            let method = HTTPSyntax.text(bytes, request.method)
            take("http.request.method", request.method, "\(method): \(HTTPSyntax.methodMeaning(method))")
            takeValue("http.sp", request.space1, " ", "a space separates the method from the target")
            take("http.request.uri", request.target, "the request target: the path (and ?query) on the server")
            takeValue("http.sp", request.space2, " ", "a space separates the target from the version")
            let version = HTTPSyntax.text(bytes, request.version)
            take("http.request.version", request.version, version == "HTTP/1.1" || version == "HTTP/1.0"
                 ? "the protocol version the client speaks"
                 : "the protocol version — \(version) is not a valid HTTP/1.x version")
        } else if let status = scan.status {
            take("http.response.version", status.version, "the protocol version the server speaks")
            takeValue("http.sp", status.space1, " ", "a space separates the version from the status code")
            let code = Int(HTTPSyntax.text(bytes, status.code)) ?? 0
            take("http.response.code", status.code, HTTPSyntax.statusMeaning(code))
            takeValue("http.sp", status.space2, " ", "a space separates the code from the reason phrase")
            take("http.response.phrase", status.reason, "the reason phrase: words for people; programs read the code")
        } else {
            take(isRequest ? "http.request.line" : "http.response.line", scan.startContent,
                 "a start line this tool cannot split: \(scan.problem ?? "not HTTP/1.x")")
        }
        if let end = scan.startEnd { lineEnd(end, "CR LF: the end of the start line") }
        reader.endGroup()
        // Header lines
        for line in scan.lines {
            switch line {
            case .header(let header, let end):
                let name = HTTPSyntax.text(bytes, header.name)
                let value = HTTPSyntax.text(bytes, header.value)
                let whole = HTTPSyntax.text(bytes, header.name.lowerBound..<end.contentEnd) + (end.bareLF ? "\\n" : "\\r\\n")
                reader.beginGroup(.http, lineName, value: { whole }, meaning: {
                    "header \(name): \(HTTPSyntax.headerMeaning(name, value, isRequest: isRequest))"
                })
                take("http.header.name", header.name, "the header's name (capitals do not matter)")
                takeValue("http.header.colon", header.colon..<(header.colon + 1), ":", "a colon ends the name")
                takeValue("http.sp", header.space, nil, "optional spaces before the value")
                take(HTTPSyntax.fieldName(forHeader: name) ?? "http.unknown_header", header.value,
                     HTTPSyntax.headerMeaning(name, value, isRequest: isRequest))
                takeValue("http.sp", header.trailingSpace, nil, "optional spaces after the value")
                lineEnd(end, "CR LF: the end of this header line")
                reader.endGroup()
            case .invalid(let range, let end):
                reader.beginGroup(.http, lineName, value: { HTTPSyntax.text(bytes, range) }, meaning: {
                    "a line that is not a valid header (\"name: value\")"
                })
                take("http.bad_header_name", range, "not a header line; servers should reject the message")
                lineEnd(end, "CR LF: the end of this line")
                reader.endGroup()
            }
        }
        if let empty = scan.emptyLine {
            takeValue("http.crlf", empty.contentEnd..<empty.next, empty.bareLF ? "\\n" : "\\r\\n",
                 "the empty line: the headers end here; the body (if any) follows")
        } else if let partial = scan.partialLine {
            take(lineName, partial, "the start of a line that continues in the next segment")
        }
    }
}
