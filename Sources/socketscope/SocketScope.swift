import ArgumentParser
import Capture
#if canImport(Glibc)
import Glibc
#endif

/// The `socketscope` command: see what your socket code puts on the wire.
struct SocketScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketscope",
        abstract: "See what your socket code puts on the wire: every packet labelled with the tutorial step that sent it.",
        discussion: """
        SocketScope reads captures (pcap or pcapng, e.g. from tcpdump or Wireshark) or sniffs an interface live,
        decodes Ethernet/IP/TCP/UDP/DNS/DHCP/ARP/HTTP, and explains what each packet means.

        Examples:
          socketscope read Captures/http-get.pcap
          socketscope read Captures/http-get.pcap --format json
          sudo socketscope live -i eth0 -f 'host 192.168.4.1' -w board.pcap
          socketscope interfaces
        """,
        subcommands: [ReadCommand.self, LiveCommand.self, SessionsCommand.self, FollowCommand.self, ExplainCommand.self,
                      LadderCommand.self,
                      InterfacesCommand.self]
    )
}

/// Runs the command with SocketScope's exit codes: 0 success, 2 bad arguments or unreadable input.
@main
enum Main {
    static func main() {
        do {
            var command = try SocketScope.parseAsRoot()
            try command.run()
        } catch let error as CaptureError {
            printError("socketscope: \(error)")
            exit(2)
        } catch let error as CommandFailure {
            if !error.message.isEmpty { printError("socketscope: \(error.message)") }
            exit(error.code)
        } catch {
            let code = SocketScope.exitCode(for: error)
            if code == .success {
                print(SocketScope.fullMessage(for: error))
                exit(0)
            }
            printError(SocketScope.fullMessage(for: error))
            // Bad arguments exit 2 like other Unix tools (ArgumentParser's default is 64).
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
        exit(0)
    }
}

/// A failure that has already been explained, with its exit code.
struct CommandFailure: Error {
    var message: String
    var code: Int32 = 2
}

func printError(_ message: String) {
    var line = message
    line.append("\n")
    line.withUTF8 { raw in _ = raw.baseAddress.map { write(2, $0, raw.count) } }
}
