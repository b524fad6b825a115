import Sessions
import Wire

/// What the session layer knows about a frame, added to the meanings the decoders wrote: the decoder sees one
/// frame and cannot know where a sequence number stands in its connection.
public enum ExplainContext {
    public static func addSessionMeanings(to fields: inout [Field], _ annotation: FrameAnnotation) {
        for index in fields.indices {
            switch fields[index].name {
            case "tcp.seq_raw":
                if let relative = annotation.relativeSequence {
                    fields[index].meaning += " Relative to this side's first sequence number: \(relative)."
                }
            case "tcp.ack_raw":
                if let relative = annotation.relativeAcknowledgement, fields[index].value != "0" {
                    fields[index].meaning += " Relative: \(relative), the next byte this side expects from the other."
                }
            default:
                break
            }
            if !fields[index].children.isEmpty { addSessionMeanings(to: &fields[index].children, annotation) }
        }
    }
}
