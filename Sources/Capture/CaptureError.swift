/// Why a capture could not be opened or read. Each case prints as one line naming the source.
public enum CaptureError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case empty(path: String)
    case notACapture(path: String, firstBytes: String)
    case unsupported(path: String, reason: String)
    case corrupt(path: String, offset: Int, reason: String)
    case readFailed(path: String, reason: String)
    /// Live capture: no permission to open the device.
    case permissionDenied(device: String, detail: String)
    case noSuchDevice(device: String, detail: String)
    case badFilter(filter: String, detail: String)
    case liveFailed(device: String, detail: String)
    case noDefaultDevice
    case writeFailed(path: String, reason: String)
    case privilegeDrop(user: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open: \(reason)"
        case let .empty(path):
            return "\(path): the file is empty (0 bytes), not a capture"
        case let .notACapture(path, firstBytes):
            return "\(path): not a pcap or pcapng capture (starts with \(firstBytes))"
        case let .unsupported(path, reason):
            return "\(path): unsupported capture: \(reason)"
        case let .corrupt(path, offset, reason):
            return "\(path): corrupt at byte \(offset): \(reason)"
        case let .readFailed(path, reason):
            return "\(path): read failed: \(reason)"
        case let .permissionDenied(device, detail):
            return "cannot capture on \(device): permission denied (\(detail)). Live capture needs root or the "
                + "capture capabilities: run with sudo, or grant them once with "
                + "`sudo setcap cap_net_raw,cap_net_admin=eip $(command -v socketscope)`"
        case let .noSuchDevice(device, detail):
            return "no capture device named '\(device)' (\(detail)); `socketscope interfaces` lists them"
        case let .badFilter(filter, detail):
            return "bad capture filter '\(filter)': \(detail)"
        case let .liveFailed(device, detail):
            return "capture on \(device) failed: \(detail)"
        case .noDefaultDevice:
            return "no interface is up and running (other than loopback); name one with -i, see `socketscope interfaces`"
        case let .writeFailed(path, reason):
            return "\(path): write failed: \(reason)"
        case let .privilegeDrop(user, reason):
            return "cannot drop privileges to user '\(user)': \(reason)"
        }
    }
}

/// A problem that did not stop reading: frames before it were delivered.
public struct CaptureWarning: Sendable, CustomStringConvertible {
    public var path: String
    public var offset: Int
    public var message: String
    public var description: String { "\(path): warning: \(message) (at byte \(offset))" }
}
