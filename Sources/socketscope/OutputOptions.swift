import ArgumentParser
import Lessons
import Sessions

/// Output format for frame-by-frame commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// The session tracker's caps: every peer-controlled quantity has a named limit (defaults in `SessionOptions`).
struct SessionLimitOptions: ParsableArguments {
    @Option(name: .long, help: "Most sessions followed at once; the longest idle is ended first (and counted).")
    var maxFlows: Int = SessionOptions().maxFlows

    @Option(name: .long, help: "Out-of-order bytes buffered per TCP direction before a hole is declared.")
    var maxReassemblyPerFlow: Int = SessionOptions().maxReassemblyBytesPerFlow

    @Option(name: .long, help: "Out-of-order bytes buffered over all sessions.")
    var maxReassemblyTotal: Int = SessionOptions().maxReassemblyBytesTotal

    @Option(name: .long, help: "Out-of-order segments buffered per TCP direction.")
    var maxOutOfOrder: Int = SessionOptions().maxOutOfOrderSegmentsPerFlow

    @Option(name: .long, help: "Seconds of silence after which a TCP session is ended (packet time).")
    var tcpIdleTimeout: Double = Double(SessionOptions().tcpIdleTimeoutNanoseconds) / 1e9

    @Option(name: .long, help: "Seconds of silence after which a UDP session is ended (packet time).")
    var udpIdleTimeout: Double = Double(SessionOptions().udpIdleTimeoutNanoseconds) / 1e9

    func validate() throws {
        for (name, value) in [("--max-flows", maxFlows), ("--max-reassembly-per-flow", maxReassemblyPerFlow),
                              ("--max-reassembly-total", maxReassemblyTotal), ("--max-out-of-order", maxOutOfOrder)]
        where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        if !(tcpIdleTimeout > 0) || !(udpIdleTimeout > 0) || tcpIdleTimeout > 1e9 || udpIdleTimeout > 1e9 {
            throw ValidationError("idle timeouts must be positive numbers of seconds")
        }
    }

    var sessionOptions: SessionOptions {
        var options = SessionOptions()
        options.maxFlows = maxFlows
        options.maxReassemblyBytesPerFlow = maxReassemblyPerFlow
        options.maxReassemblyBytesTotal = maxReassemblyTotal
        options.maxOutOfOrderSegmentsPerFlow = maxOutOfOrder
        options.tcpIdleTimeoutNanoseconds = Int64(tcpIdleTimeout * 1e9)
        options.udpIdleTimeoutNanoseconds = Int64(udpIdleTimeout * 1e9)
        return options
    }
}

/// Which endpoint is the board (`--board`), shared by every command that tells lessons.
struct BoardOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The board's IP or MAC address. Without it SocketScope looks for an Espressif MAC, an ESP DHCP hostname or lwIP's TCP fingerprint, and says why it chose.",
        valueName: "ip|mac"))
    var board: String?

    func validate() throws {
        if let board, BoardOverride(board) == nil {
            throw ValidationError("--board takes an IPv4 address (192.168.4.2) or a MAC address (5c:cf:7f:a1:b2:c3), not '\(board)'")
        }
    }

    var override: BoardOverride? { board.flatMap(BoardOverride.init) }
}

/// Options shared by `read` and `live`: they print frames through one output path.
struct FrameOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text (frames grouped by session, each with its tutorial step) or json (one JSON object per frame and line).")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Add the plain-words sentence under each frame (text output).")
    var explain = false

    @OptionGroup var boardOption: BoardOption

    @OptionGroup(title: "Limits") var limits: SessionLimitOptions

    var sessionOptions: SessionOptions { limits.sessionOptions }
}
