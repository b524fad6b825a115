private import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// A capture device as libpcap lists it.
public struct CaptureInterface: Sendable {
    /// 1-based, in libpcap's order (as `tcpdump -D` numbers them).
    public var number: Int
    public var name: String
    public var description: String?
    public var addresses: [String]
    public var isUp: Bool
    public var isRunning: Bool
    public var isLoopback: Bool
    public var isWireless: Bool
    /// Pseudo-devices such as "any" have no link to be up on.
    public var connectionStatusApplies: Bool

    public var flagNames: [String] {
        var names: [String] = []
        if isUp { names.append("Up") }
        if isRunning { names.append("Running") }
        if isLoopback { names.append("Loopback") }
        if isWireless { names.append("Wireless") }
        return names
    }

    /// Lists every capture device.
    public static func all() throws(CaptureError) -> [CaptureInterface] {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        var list: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&list, &errorBuffer) == 0 else {
            throw .liveFailed(device: "(listing)", detail: String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { pcap_freealldevs(list) }
        var result: [CaptureInterface] = []
        var cursor = list
        while let device = cursor {
            let flags = device.pointee.flags
            var addresses: [String] = []
            var address = device.pointee.addresses
            while let entry = address {
                if let text = Self.text(of: entry.pointee.addr) { addresses.append(text) }
                address = entry.pointee.next
            }
            result.append(CaptureInterface(
                number: result.count + 1,
                name: String(cString: device.pointee.name),
                description: device.pointee.description.map { String(cString: $0) },
                addresses: addresses,
                isUp: flags & UInt32(PCAP_IF_UP) != 0,
                isRunning: flags & UInt32(PCAP_IF_RUNNING) != 0,
                isLoopback: flags & UInt32(PCAP_IF_LOOPBACK) != 0,
                isWireless: flags & UInt32(PCAP_IF_WIRELESS) != 0,
                connectionStatusApplies: flags & UInt32(PCAP_IF_CONNECTION_STATUS) != UInt32(PCAP_IF_CONNECTION_STATUS_NOT_APPLICABLE)
            ))
            cursor = device.pointee.next
        }
        return result
    }

    /// The device tcpdump would pick: the first that is up, running and not loopback (pseudo-devices skipped).
    public static func defaultDevice() throws(CaptureError) -> CaptureInterface {
        let devices = try all()
        if let pick = devices.first(where: { $0.isUp && $0.isRunning && !$0.isLoopback && $0.connectionStatusApplies }) {
            return pick
        }
        throw .noDefaultDevice
    }

    /// Resolves `-i`: a device name, or its number from `socketscope interfaces`.
    public static func resolve(_ nameOrNumber: String) throws(CaptureError) -> String {
        if let number = Int(nameOrNumber) {
            let devices = try all()
            guard number >= 1, number <= devices.count else {
                throw .noSuchDevice(device: nameOrNumber, detail: "there are \(devices.count) interfaces, numbered from 1")
            }
            return devices[number - 1].name
        }
        return nameOrNumber
    }

    private static func text(of sockaddrPointer: UnsafeMutablePointer<sockaddr>?) -> String? {
        guard let sockaddrPointer else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(sockaddrPointer.pointee.sa_family) {
        case AF_INET:
            return sockaddrPointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                var value = address.pointee.sin_addr
                guard inet_ntop(AF_INET, &value, &buffer, socklen_t(buffer.count)) != nil else { return nil }
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        case AF_INET6:
            return sockaddrPointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                var value = address.pointee.sin6_addr
                guard inet_ntop(AF_INET6, &value, &buffer, socklen_t(buffer.count)) != nil else { return nil }
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        default:
            return nil
        }
    }
}
