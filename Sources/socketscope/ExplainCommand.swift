import ArgumentParser
import Capture
import Render
import Sessions
import Wire

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain one frame byte by byte: every field, its bytes, its value and what it means.",
        discussion: """
        Without --frame, explains the first frame that starts an HTTP GET request (else frame 1): the request \
        line split into method, request-target and version, each header into name and value, down to the \
        CRLFs. Every captured byte belongs to exactly one field; a hex dump at the end marks each byte's layer. \
        Field names are Wireshark's, so you can look them up there too.

        Examples:
          socketscope explain Captures/http-get.pcap
          socketscope explain Captures/http-get.pcap --frame 3
          socketscope explain Captures/http-get.pcap --format json | jq '.fields[] | .name'
        """
    )

    @Argument(help: "A capture file (pcap or pcapng); - for standard input.")
    var file: String

    @Option(name: .long, help: "The frame to explain (1-based, as `read` numbers them).")
    var frame: Int?

    @Option(name: .long, help: "text (for people) or json (one object, for tools).")
    var format: OutputFormat = .text

    func validate() throws {
        if let frame, frame < 1 { throw ValidationError("--frame counts from 1") }
    }

    func run() throws {
        // Follow sessions up to the chosen frame, so the explanation can give relative sequence numbers.
        let analyzer = FrameAnalyzer()
        var chosen: (frame: Frame, annotation: FrameAnnotation)?
        var firstFrame: (frame: Frame, annotation: FrameAnnotation)?
        var count = 0
        try CaptureInput.forEachFrame(in: [file]) { captured in
            count += 1
            let (decoded, annotation, _) = analyzer.analyze(captured)
            if firstFrame == nil { firstFrame = (captured, annotation) }
            if let wanted = frame {
                if captured.number == wanted { chosen = (captured, annotation); return false }
            } else if ExplainRenderer.startsHTTPGet(decoded, bytes: captured.bytes) {
                chosen = (captured, annotation)
                return false
            }
            return true
        }
        if frame == nil, chosen == nil { chosen = firstFrame }
        guard let (target, annotation) = chosen else {
            if let frame { throw CommandFailure(message: "\(file) has \(count) frames; there is no frame \(frame)", code: 2) }
            throw CommandFailure(message: "\(file) holds no frames", code: 2)
        }
        var decoded = FrameDecoder.decode(target.bytes, linkType: target.linkType, recordFields: true)
        ExplainContext.addSessionMeanings(to: &decoded.fields, annotation)
        // A TCP payload that does not start an HTTP message may continue one: say which, and which part.
        if decoded.tcp != nil, decoded.http == nil, decoded.payloadLength > 0, decoded.payloadMissing == 0,
           let session = annotation.session, let direction = annotation.direction,
           let sequence = annotation.relativeSequence, sequence >= 1 {
            let pieces = try HTTPContinuation.pieces(files: [file], target: target, session: session, direction: direction,
                                                     streamOffset: Int(sequence) - 1, payloadLength: decoded.payloadLength)
            ExplainContext.addHTTPContinuation(to: &decoded.fields, payloadOffset: decoded.payloadOffset,
                                               payloadLength: decoded.payloadLength, pieces: pieces, bytes: target.bytes)
        }
        let sink = OutputSink()
        switch format {
        case .json:
            sink.write(ExplainRenderer.json(frame: decoded, bytes: target.bytes, frameNumber: target.number,
                                            originalLength: target.originalLength))
        case .text:
            let palette = Palette.forOutput(isTerminal: sink.isTerminal, environment: ProcessInfoLite.environment)
            sink.write(ExplainRenderer.text(frame: decoded, bytes: target.bytes, frameNumber: target.number,
                                            originalLength: target.originalLength, color: palette.enabled))
        }
        sink.endLine()
        sink.flush()
    }
}
