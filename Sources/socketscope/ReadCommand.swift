import ArgumentParser
import Capture
import Render

struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Decode and explain the frames of capture files.",
        discussion: """
        Reads classic pcap (microsecond or nanosecond timestamps, either byte order) and pcapng files, in order,
        numbering frames from 1 across all of them. Use - to read standard input. Needs no privileges.

        Examples:
          socketscope read Captures/http-get.pcap
          socketscope read Captures/http-get.pcap --format json | head -3
          tcpdump -w - -i eth0 | socketscope read -
        """
    )

    @Argument(help: "Capture files (pcap or pcapng); - for standard input.")
    var files: [String]

    @OptionGroup var output: FrameOutputOptions

    @OptionGroup var threading: ThreadOption

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one capture file (or - for standard input)") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
    }

    func run() throws {
        let sink = OutputSink()
        let detector = FrameAnalyzer.detectBoard(in: files, override: output.boardOption.override)
        let pipeline = FramePipeline(options: output, sink: sink, grouped: true, detector: detector,
                                     threads: threading.threads)
        defer { pipeline.finish() }
        try pipeline.read(files: files)
    }
}
