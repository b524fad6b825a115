private import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Options for opening a live capture.
public struct LiveOptions: Sendable {
    /// Device name or number; nil picks the first interface that is up, running and not loopback.
    public var device: String?
    /// A BPF filter expression compiled by libpcap.
    public var filter: String?
    public var snapLength: Int = 262_144
    public var promiscuous = true
    /// Deliver each frame on its own as it arrives (libpcap's TPACKET_V2 ring) instead of in blocks the kernel
    /// hands over when full or after `blockTimeoutMilliseconds` (TPACKET_V3). Off by default: in immediate mode
    /// every frame takes a whole slot of the ring, and on an interface with offloads (TSO/GSO: veth, most NICs)
    /// libpcap makes every slot 64 KiB, so 16 MiB hold only 256 frames (2.6 ms at 100,000 frames/s; measured on
    /// a veth with the capture thread stopped) and the kernel drops frames whenever the capture thread is
    /// descheduled that long. Blocks pack frames back to back: the same 16 MiB hold about 30,000 frames of
    /// 414 bytes (256 MiB in immediate mode: 4,091).
    public var immediate = false
    /// Without immediate mode: the longest a frame waits in a block that is not full yet.
    public var blockTimeoutMilliseconds: Int32 = 20
    /// The kernel capture buffer in bytes. 16 MiB by default (libpcap's own default is 2 MiB): a burst from a
    /// fast sender must fit while the capture thread catches up.
    public var bufferSize: Int? = 16 << 20
    /// Drop root privileges to this user right after the device is opened.
    public var user: String?

    public init() {}
}

/// What pcap_stats says at the end of a capture.
public struct LiveStatistics: Sendable {
    public var received: UInt64
    public var droppedByKernel: UInt64
    public var droppedByInterface: UInt64
}

/// Set from a signal handler; read by the capture loop.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0
/// The open handle, so a signal can break libpcap out of a blocking read.
nonisolated(unsafe) private var handleForSignals: OpaquePointer?

/// A live capture on one device through libpcap. Owned by one thread; not Sendable.
public final class LiveCapture {
    public let device: String
    public let linkType: UInt32
    public let snapLength: Int
    private var handle: OpaquePointer?
    private var nextNumber = 1
    private var selectableDescriptor: Int32 = -1
    /// How long a frame may sit in a block the kernel has not handed over yet (0 in immediate mode).
    private let deliveryDelayMilliseconds: Int32
    /// Frames handed out by `run` so far.
    public private(set) var framesCaptured = 0

    /// Opens and activates the device, applies the filter, then drops privileges if asked.
    public init(options: LiveOptions) throws(CaptureError) {
        let name: String
        if let requested = options.device {
            name = try CaptureInterface.resolve(requested)
        } else {
            name = try CaptureInterface.defaultDevice().name
        }
        device = name
        snapLength = options.snapLength
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let opened = pcap_create(name, &errorBuffer) else {
            throw .liveFailed(device: name, detail: Self.string(errorBuffer))
        }
        handle = opened
        pcap_set_snaplen(opened, Int32(clamping: options.snapLength))
        pcap_set_promisc(opened, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(opened, options.immediate ? 1 : 0)
        // Without immediate mode this is the block timeout of the TPACKET_V3 ring: how late a frame may be
        // delivered when traffic is slow. (Reads are non-blocking, so it never delays the loop's own checks.)
        deliveryDelayMilliseconds = options.immediate ? 0 : max(1, options.blockTimeoutMilliseconds)
        pcap_set_timeout(opened, options.immediate ? 100 : deliveryDelayMilliseconds)
        if let size = options.bufferSize { pcap_set_buffer_size(opened, Int32(clamping: size)) }
        let status = pcap_activate(opened)
        if status < 0 {
            let detail = String(cString: pcap_geterr(opened))
            let statusText = String(cString: pcap_statustostr(status))
            pcap_close(opened)
            handle = nil
            switch status {
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw .permissionDenied(device: name, detail: detail.isEmpty ? statusText : detail)
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw .noSuchDevice(device: name, detail: detail.isEmpty ? statusText : detail)
            default:
                throw .liveFailed(device: name, detail: detail.isEmpty ? statusText : detail)
            }
        }
        linkType = UInt32(bitPattern: pcap_datalink(opened))
        // Non-blocking reads plus our own poll with a timeout: libpcap's TPACKET_V3 reader may block until a
        // packet arrives, which would keep --duration and Ctrl-C waiting on an idle interface.
        pcap_setnonblock(opened, 1, &errorBuffer)
        selectableDescriptor = pcap_get_selectable_fd(opened)
        if let filter = options.filter {
            var program = bpf_program()
            guard pcap_compile(opened, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                let detail = String(cString: pcap_geterr(opened))
                pcap_close(opened)
                handle = nil
                throw .badFilter(filter: filter, detail: detail)
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(opened, &program) == 0 else {
                let detail = String(cString: pcap_geterr(opened))
                pcap_close(opened)
                handle = nil
                throw .badFilter(filter: filter, detail: detail)
            }
        }
        if let user = options.user { try Self.dropPrivileges(to: user) }
    }

    deinit {
        if let handle {
            if handleForSignals == handle { handleForSignals = nil }
            pcap_close(handle)
        }
    }

    /// Makes SIGINT, SIGTERM and SIGHUP end the capture loop cleanly instead of killing the process.
    public static func installStopSignals() {
        let handler: @convention(c) (Int32) -> Void = { _ in
            stopRequested = 1
            if let handle = handleForSignals { pcap_breakloop(handle) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        signal(SIGHUP, handler)
        signal(SIGPIPE, SIG_IGN)
        // A parent may have started us with these blocked (some test runners and supervisors do); a stop signal
        // that never arrives would leave the capture running, so unblock them.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for stop in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&stopSignals, stop) }
        sigprocmask(SIG_UNBLOCK, &stopSignals, nil)
    }

    /// True once a stop signal arrived.
    public static var stopWasRequested: Bool { stopRequested != 0 }

    /// Captures until `count` frames, `duration` seconds, or a stop signal. Each frame is handed to `body` as it
    /// arrives; `body` returns false to stop.
    /// `idle` runs whenever no frame is waiting; it returns false to stop (e.g. a write failed).
    public func run(count: Int? = nil, duration: Double? = nil, idle: () -> Bool = { true },
                    _ body: (Frame) throws -> Bool) throws {
        guard let handle else { return }
        handleForSignals = handle
        defer { handleForSignals = nil }
        var startTime = timespec()
        clock_gettime(CLOCK_MONOTONIC, &startTime)
        var captured = 0
        // Set when the capture stops on a signal or --duration: frames already in a block the kernel has not
        // handed over yet are still read (waiting at most one block timeout), so they reach the -w file.
        var draining = false
        while true {
            if let count, captured >= count { break }
            if !draining {
                var stop = stopRequested != 0
                if !stop, let duration {
                    var now = timespec()
                    clock_gettime(CLOCK_MONOTONIC, &now)
                    let elapsed = Double(now.tv_sec - startTime.tv_sec) + Double(now.tv_nsec - startTime.tv_nsec) / 1e9
                    stop = elapsed >= duration
                }
                if stop {
                    guard deliveryDelayMilliseconds > 0 else { break }
                    draining = true
                    if selectableDescriptor >= 0 {
                        var waiting = pollfd(fd: selectableDescriptor, events: Int16(POLLIN), revents: 0)
                        _ = poll(&waiting, 1, deliveryDelayMilliseconds + 10)
                    }
                }
            }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let result = pcap_next_ex(handle, &header, &data)
            if result == 1, let header, let data {
                let length = Int(header.pointee.caplen)
                let frame = Frame(number: nextNumber, seconds: Int64(header.pointee.ts.tv_sec),
                                  nanoseconds: UInt32(clamping: Int64(header.pointee.ts.tv_usec) * 1000),
                                  originalLength: Int(header.pointee.len), linkType: linkType,
                                  bytes: Array(UnsafeBufferPointer(start: data, count: length)))
                nextNumber += 1
                captured += 1
                framesCaptured += 1
                if try !body(frame) { break }
            } else if result == 0 {
                // Nothing waiting: sleep until a packet arrives or 100 ms pass, then check the stop conditions.
                if !idle() || draining { break }
                if selectableDescriptor >= 0 {
                    var waiting = pollfd(fd: selectableDescriptor, events: Int16(POLLIN), revents: 0)
                    _ = poll(&waiting, 1, 100)
                }
                continue
            } else if result == PCAP_ERROR_BREAK {
                if draining { break }
                continue  // a stop signal: the checks at the top of the loop drain what has arrived
            } else {
                throw CaptureError.liveFailed(device: device, detail: String(cString: pcap_geterr(handle)))
            }
        }
    }

    /// Frames received and dropped, from pcap_stats.
    public func statistics() -> LiveStatistics? {
        guard let handle else { return nil }
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return LiveStatistics(received: UInt64(stats.ps_recv), droppedByKernel: UInt64(stats.ps_drop),
                              droppedByInterface: UInt64(stats.ps_ifdrop))
    }

    /// Gives up root for `user`'s identity, as `tcpdump -Z` does.
    private static func dropPrivileges(to user: String) throws(CaptureError) {
        guard let entry = getpwnam(user) else { throw .privilegeDrop(user: user, reason: "no such user") }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        guard initgroups(user, gid) == 0 || getuid() != 0 else {
            throw .privilegeDrop(user: user, reason: "initgroups: " + String(cString: strerror(errno)))
        }
        guard setgid(gid) == 0 else { throw .privilegeDrop(user: user, reason: "setgid: " + String(cString: strerror(errno))) }
        guard setuid(uid) == 0 else { throw .privilegeDrop(user: user, reason: "setuid: " + String(cString: strerror(errno))) }
        // Make sure root cannot be regained.
        if uid != 0, setuid(0) == 0 {
            throw .privilegeDrop(user: user, reason: "root could be regained after setuid")
        }
    }

    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
