/// HTTP/1.x start line and headers (RFC 9112) inside one segment.

/// The head of an HTTP/1.x message found at the start of a payload.
public struct HTTPHead: Sendable, Hashable {
    public var isRequest: Bool
    public var method: String?
    public var uri: String?
    public var version: String
    public var status: Int?
    public var reason: String?
    /// Header lines in order, as (name, value).
    public var headers: [HTTPHeaderLine] = []
    /// True when the empty line that ends the headers is inside this payload.
    public var isComplete: Bool
    /// Bytes of start line plus headers plus the empty line (or of what was present).
    public var headLength: Int
    /// True when a line ended with a bare LF instead of CRLF.
    public var bareLF: Bool

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

    /// The first header with this name, case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
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
