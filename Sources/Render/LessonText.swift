import Lessons

/// Steps, findings and the board as JSON (the names outside tools rely on) and as plain text.
/// Text that came from the network (DNS names, hostnames, URIs) is escaped for the terminal.
public enum LessonText {
    // MARK: JSON

    /// Writes the `step` object as a value: call after `json.key("step")` (or inside an array).
    /// `{"session", "role", "id", "number", "title", "call", "explanation"}`, plus `"inferred": true` on a line
    /// that put nothing on the wire.
    public static func writeStep(_ step: Step, into json: inout JSONWriter) {
        json.objectValue()
        if let session = step.session { json.field("session", session) } else { json.fieldNull("session") }
        json.field("role", step.role.rawValue)
        json.field("id", step.id.rawValue)
        if let number = step.number { json.field("number", number) } else { json.fieldNull("number") }
        json.field("title", step.title)
        if let call = step.call { json.field("call", call) } else { json.fieldNull("call") }
        json.field("explanation", step.explanation)
        if step.inferred { json.field("inferred", true) }
        json.endObject()
    }

    /// Writes a frame's lesson into the current object: `"step": {…}` and, when there are any,
    /// `"inferred_steps": [{…}]` (calls that sent nothing just before this frame).
    public static func writeFrameLesson(_ lesson: FrameLesson, into json: inout JSONWriter) {
        writeFrameLesson(lesson, into: &json) { step, json in writeStep(step, into: &json) }
    }

    /// `writeFrameLesson` with each step object written by `writeStep` (`StepJSONCache` passes its own).
    static func writeFrameLesson(_ lesson: FrameLesson, into json: inout JSONWriter,
                                 writeStep: (Step, inout JSONWriter) -> Void) {
        json.key("step")
        writeStep(lesson.step, &json)
        guard !lesson.inferred.isEmpty else { return }
        json.key("inferred_steps")
        json.arrayValue()
        for step in lesson.inferred { writeStep(step, &json) }
        json.endArray()
    }

    /// Writes the `diagnosis` array as a value: call after `json.key("diagnosis")`.
    /// Each finding: `{"id", "frames", "error", "cause", "advice", "lesson"}` (+ `"session"` when it has one).
    public static func writeFindings(_ findings: [Finding], into json: inout JSONWriter) {
        json.arrayValue()
        for finding in findings {
            json.objectValue()
            json.field("id", finding.id.rawValue)
            if let session = finding.session { json.field("session", session) }
            json.key("frames")
            json.arrayValue()
            for frame in finding.frames { json.int(frame) }
            json.endArray()
            json.field("error", finding.error)
            json.field("cause", finding.cause)
            json.field("advice", finding.advice)
            json.field("lesson", finding.lesson)
            json.endObject()
        }
        json.endArray()
    }

    /// Writes the session's `board` object and `role` into the current object (for `sessions --format json`):
    /// `"board": {"side": "client"|"server"|"neither"|"unknown", "reason": …|null}, "role": …|null`, and
    /// `"diagnosis": […]`.
    public static func writeSessionLesson(_ lesson: SessionLesson, into json: inout JSONWriter) {
        json.key("board")
        json.objectValue()
        json.field("side", lesson.board.rawValue)
        if let reason = lesson.boardReason { json.field("reason", reason) } else { json.fieldNull("reason") }
        json.endObject()
        if let role = lesson.role { json.field("role", role.rawValue) } else { json.fieldNull("role") }
        json.key("diagnosis")
        writeFindings(lesson.findings, into: &json)
    }

    /// Writes the board identity as a value: `{"ip", "mac", "reason", "evidence": [{"kind", "frame", "reason"}]}`,
    /// or null.
    public static func writeBoard(_ board: BoardIdentity?, into json: inout JSONWriter) {
        guard let board else { json.null(); return }
        json.objectValue()
        if let ip = board.ip { json.field("ip", ip.description) } else { json.fieldNull("ip") }
        if let mac = board.mac { json.field("mac", mac.description) } else { json.fieldNull("mac") }
        json.field("reason", board.reason)
        json.key("evidence")
        json.arrayValue()
        for evidence in board.evidence {
            json.objectValue()
            json.field("kind", evidence.kind)
            if let frame = evidence.frame { json.field("frame", frame) } else { json.fieldNull("frame") }
            json.field("reason", evidence.reason)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    // MARK: Text

    /// "[3 recv] s.recv(100): the server sends 536 bytes; …" (inferred lines: "[1 create] … (no packet)").
    public static func line(_ step: Step) -> String {
        let number = step.number.map { "\($0) " } ?? ""
        let call = step.call.map { "\($0): " } ?? ""
        return TerminalText.escape("[\(number)\(step.id.rawValue)] \(call)\(step.explanation)")
    }

    /// The lines of one finding, for text output.
    public static func lines(_ finding: Finding) -> [String] {
        let frames = finding.frames.map(String.init).joined(separator: ", ")
        return [
            TerminalText.escape("diagnosis \(finding.id.rawValue) (frames \(frames))"),
            TerminalText.escape("  you saw:   \(finding.error)"),
            TerminalText.escape("  lesson:    \(finding.lesson)"),
            TerminalText.escape("  cause:     \(finding.cause)"),
            TerminalText.escape("  try:       \(finding.advice)"),
        ]
    }

    /// "board: 192.168.4.2 (5c:cf:7f:a1:b2:c3) — MAC … has Espressif's prefix …", or the no-board sentence.
    public static func boardLine(_ board: BoardIdentity?) -> String {
        guard let board else {
            return "board: not identified (no Espressif MAC, ESP hostname or lwIP SYN); lessons follow the client. "
                + "Use --board IP|MAC to name it."
        }
        return TerminalText.escape("board: \(board.label), because \(board.reason)")
    }
}
