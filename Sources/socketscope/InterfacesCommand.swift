import ArgumentParser
import Capture

struct InterfacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfaces",
        abstract: "List the interfaces you can capture on, numbered like `tcpdump -D`.",
        discussion: """
        Each line shows the number (usable with `live -i`), the name, its flags (Up, Running, Loopback, Wireless)
        and its addresses. Listing needs no privileges, but capturing does (see `socketscope live --help`).

        Example:
          socketscope interfaces
          sudo socketscope live -i 2
        """
    )

    func run() throws {
        let devices = try CaptureInterface.all()
        if devices.isEmpty {
            print("no capture interfaces found (libpcap lists none; are you in a container without network devices?)")
        }
        for device in devices {
            var line = "\(device.number).\(device.name)"
            if let description = device.description { line += " (\(description))" }
            line += " [" + device.flagNames.joined(separator: ", ") + "]"
            if !device.addresses.isEmpty { line += " " + device.addresses.joined(separator: " ") }
            print(line)
        }
    }
}
