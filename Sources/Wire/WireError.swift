/// Why a decoder stopped. A decoded frame keeps every layer that decoded plus one of these.
public enum WireError: Error, Equatable, Sendable {
    /// Fewer bytes were present than a field or a length field asked for.
    /// `limitedBy` names what set the limit: "caplen" (snaplen truncation), or a length field such as "ip.len".
    case truncated(layer: Layer, offset: Int, needed: Int, available: Int, limitedBy: String)
    /// A field holds a value the protocol does not allow.
    case invalid(layer: Layer, offset: Int, field: String, reason: String)

    public var layer: Layer {
        switch self {
        case .truncated(let layer, _, _, _, _), .invalid(let layer, _, _, _): return layer
        }
    }

    public var offset: Int {
        switch self {
        case .truncated(_, let offset, _, _, _), .invalid(_, let offset, _, _): return offset
        }
    }

    /// True when the bytes ran out because the capture's snapshot length cut the frame.
    public var isSnaplenTruncation: Bool {
        if case .truncated(_, _, _, _, let limit) = self { return limit == "caplen" }
        return false
    }

    /// One line in plain words.
    public var summary: String {
        switch self {
        case let .truncated(layer, offset, needed, available, limitedBy):
            let why = limitedBy == "caplen"
                ? "the capture's snapshot length cut the frame"
                : "\(limitedBy) leaves only that much"
            return "\(layer.rawValue) truncated at byte \(offset): needed \(needed) bytes, \(available) present (\(why))"
        case let .invalid(layer, offset, field, reason):
            return "\(layer.rawValue) invalid at byte \(offset): \(field) \(reason)"
        }
    }
}
