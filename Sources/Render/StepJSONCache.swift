import Lessons

/// The `step` objects of `read --format json`, each written once and then copied.
///
/// A step's text (title, call, explanation) depends only on the step, and a capture repeats a few steps over and
/// over (on a busy lab network nearly every frame is "not part of the lesson"), so building and escaping the same
/// explanation for every frame is most of the cost of a line's step. The cache keys on the step without its
/// session number — the one member that changes from frame to frame — and stores the bytes after it.
public struct StepJSONCache {
    /// Step (session removed) → its members after `"session":…`, with the closing brace.
    private var tails: [Step: [UInt8]] = [:]
    /// The step written last: consecutive frames usually share one, and comparing is cheaper than hashing. Kept
    /// as plain stored values (an optional tuple was copied through the runtime's generic value witness).
    private var hasLast = false
    private var lastKey = Step(session: nil, role: .network, id: .other, event: .noPackets, fromBoard: false,
                               boardKnown: false)
    private var lastTail: [UInt8] = []
    private var scratch = JSONWriter()
    /// Distinct steps kept at once. Steps carry counts and names (bytes sent, DNS names), so a long capture can
    /// make any number of them: past this the cache starts over, which keeps its memory flat.
    public static let capacity = 1024

    public init() {}

    /// `LessonText.writeFrameLesson`, byte for byte, with each distinct step's text built once.
    public mutating func writeFrameLesson(_ lesson: FrameLesson, into json: inout JSONWriter) {
        LessonText.writeFrameLesson(lesson, into: &json) { step, json in writeStep(step, into: &json) }
    }

    /// `LessonText.writeStep`, byte for byte.
    public mutating func writeStep(_ step: Step, into json: inout JSONWriter) {
        // The last step with this step's session: equal then means equal but for the session, and `step` need
        // not be copied to compare.
        lastKey.session = step.session
        if hasLast, lastKey == step {
            Self.write(session: step.session, tail: lastTail, into: &json)
            return
        }
        var key = step
        key.session = nil
        let tail: [UInt8]
        if let cached = tails[key] {
            tail = cached
        } else if let built = Self.members(of: key, scratch: &scratch) {
            if tails.count >= Self.capacity { tails.removeAll(keepingCapacity: true) }
            tails[key] = built
            tail = built
        } else {
            LessonText.writeStep(step, into: &json)
            return
        }
        remember(key, tail)
        Self.write(session: step.session, tail: tail, into: &json)
    }

    /// `{"session":…` and the members after it.
    private static func write(session: Int?, tail: [UInt8], into json: inout JSONWriter) {
        json.withUnique { json in
            json.objectValue()
            if let session { json.field("session", session) } else { json.fieldNull("session") }
            tail.withUnsafeBytes { json.endObject(withWrittenMembers: $0) }
        }
    }

    private mutating func remember(_ key: Step, _ tail: [UInt8]) {
        hasLast = true
        lastKey = key
        lastTail = tail
    }

    private static let sessionlessPrefix = Array(#"{"session":null"#.utf8)

    /// The bytes `LessonText.writeStep` writes after the session member of a step without one (nil if it ever
    /// stopped starting with that member: the caller then writes the step in full).
    private static func members(of step: Step, scratch: inout JSONWriter) -> [UInt8]? {
        scratch.reset()
        LessonText.writeStep(step, into: &scratch)
        return scratch.withBytes { bytes in
            guard bytes.starts(with: sessionlessPrefix) else { return nil }
            return Array(bytes[sessionlessPrefix.count...])
        }
    }
}
