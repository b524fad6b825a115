import Lessons

/// Ladder (sequence) diagrams of one session: the board on the left, the peer on the right, time going down.
/// Arrows carry the TCP flags, relative seq/ack, payload length and the tutorial step; calls that send nothing
/// are notes on the board's side.
public enum LadderRenderer {
    /// Width of the text diagram: every line fits.
    public static let textWidth = 80

    // Text columns: frame (5) + space + time (7) + space, lifeline, arrow span, lifeline, space, step.
    private static let leftLine = 14
    private static let span = 44
    private static var rightLine: Int { leftLine + span + 1 }
    private static var stepColumn: Int { rightLine + 2 }

    /// The diagram as plain ASCII text, every line at most 80 columns.
    public static func text(_ ladder: Ladder) -> String {
        var lines: [String] = []
        lines.append(fit("session \(ladder.session): \(ladder.rows.count) rows"
            + (ladder.droppedRows > 0 ? " (+\(ladder.droppedRows) not kept)" : "")))
        // Board label over the left lifeline, peer label ending at the right edge.
        let left = clip(ladder.boardLabel, to: 32)
        let right = clip(ladder.peerLabel, to: textWidth - leftLine - left.count - 2)
        let gap = textWidth - leftLine - left.count - right.count
        lines.append(fit(pad("frame time(s)", to: leftLine) + left + String(repeating: " ", count: gap) + right))
        lines.append(fit(pad("", to: leftLine) + "|" + String(repeating: " ", count: span) + "|"))
        for row in ladder.rows {
            let time = seconds(row.timeNanoseconds - ladder.startNanoseconds)
            if let note = row.note {
                let prefix = pad(pad("-", to: 5, right: true) + " " + pad(time, to: 7, right: true), to: leftLine)
                lines.append(fit(prefix + "| (" + row.stepLabel + ") " + note))
                continue
            }
            let frame = row.frame.map(String.init) ?? "-"
            let prefix = pad(pad(frame, to: 5, right: true) + " " + pad(time, to: 7, right: true), to: leftLine)
            lines.append(fit(prefix + "|" + arrow(row.label, fromBoard: row.fromBoard) + "| " + row.stepLabel))
        }
        if ladder.droppedRows > 0 {
            lines.append(fit("... \(ladder.droppedRows) more rows not kept (one ladder keeps a capped number)"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `|--SYN seq=0 ---------->|` or `|<--------- SYN,ACK seq=0 ack=1 --|`, exactly `span` characters between
    /// the lifelines.
    static func arrow(_ label: String, fromBoard: Bool) -> String {
        let room = span - 5  // head, two spaces, at least one dash on each side
        let text = clip(label, to: room)
        let dashes = span - text.count - 4
        if fromBoard {
            return "-" + " " + text + " " + String(repeating: "-", count: dashes) + ">"
        }
        return "<" + String(repeating: "-", count: dashes) + " " + text + " " + "-"
    }

    /// The diagram as a standalone SVG document; all text is XML-escaped.
    public static func svg(_ ladder: Ladder) -> String {
        let rowHeight = 24, top = 70, leftX = 200, rightX = 620, width = 800
        let height = top + rowHeight * (ladder.rows.count + 1) + (ladder.droppedRows > 0 ? rowHeight : 0)
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
        font-family="monospace" font-size="12">
        <defs><marker id="head" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto">\
        <path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(leftX)" y="24" text-anchor="middle" font-weight="bold">\(escape(ladder.boardLabel))</text>
        <text x="\(rightX)" y="24" text-anchor="middle" font-weight="bold">\(escape(ladder.peerLabel))</text>
        <text x="10" y="48" fill="#666">frame</text><text x="60" y="48" fill="#666">time (s)</text>
        <line x1="\(leftX)" y1="34" x2="\(leftX)" y2="\(height - 10)" stroke="#999"/>
        <line x1="\(rightX)" y1="34" x2="\(rightX)" y2="\(height - 10)" stroke="#999"/>

        """
        for (index, row) in ladder.rows.enumerated() {
            let y = top + index * rowHeight
            let time = seconds(row.timeNanoseconds - ladder.startNanoseconds)
            out += "<text x=\"10\" y=\"\(y)\">\(row.frame.map(String.init) ?? "-")</text>"
            out += "<text x=\"60\" y=\"\(y)\" fill=\"#666\">\(escape(time))</text>"
            if let note = row.note {
                out += "<text x=\"\(leftX + 8)\" y=\"\(y)\" font-style=\"italic\" fill=\"#555\">"
                    + escape("(\(row.stepLabel)) \(note)") + "</text>\n"
                continue
            }
            let (x1, x2) = row.fromBoard ? (leftX, rightX) : (rightX, leftX)
            out += "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y)\" stroke=\"#333\" marker-end=\"url(#head)\"/>"
            out += "<text x=\"\((leftX + rightX) / 2)\" y=\"\(y - 4)\" text-anchor=\"middle\">"
                + escape(row.label) + "</text>"
            out += "<text x=\"\(rightX + 10)\" y=\"\(y)\" fill=\"#036\">" + escape(row.stepLabel) + "</text>\n"
        }
        if ladder.droppedRows > 0 {
            out += "<text x=\"10\" y=\"\(top + ladder.rows.count * rowHeight)\">"
                + escape("… \(ladder.droppedRows) more rows not kept") + "</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    // MARK: - Helpers

    /// XML text and attribute escaping (&, <, >, quotes); control characters other than tab become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += " "
            default:
                // XML 1.0 forbids most C0 controls; C1 controls and unpaired surrogates never help a reader.
                if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) || scalar.value == 0xfffe
                    || scalar.value == 0xffff {
                    out += "\u{fffd}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func seconds(_ nanoseconds: Int64) -> String {
        let millis = max(0, nanoseconds) / 1_000_000
        let fraction = String(millis % 1000)
        return String(millis / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    static func pad(_ text: String, to width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text }
        let spaces = String(repeating: " ", count: width - count)
        return right ? spaces + text : text + spaces
    }

    static func clip(_ text: String, to width: Int) -> String {
        guard text.count > width else { return text }
        return String(text.prefix(max(0, width - 3))) + "..."
    }

    static func fit(_ line: String) -> String { clip(line, to: textWidth) }
}
