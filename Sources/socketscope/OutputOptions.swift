import ArgumentParser

/// Output format for frame-by-frame commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options shared by `read` and `live`: they print frames through one output path.
struct FrameOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text (one line per frame) or json (one JSON object per frame and line).")
    var format: OutputFormat = .text
}
