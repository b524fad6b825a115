import Sessions
import Wire

/// The diagnoses of one TCP session, made when it ends from its `TCPLesson` state and summary.
enum TCPDiagnosis {
    static func findings(_ lesson: TCPLesson, summary: SessionSummary, options: LessonOptions) -> [Finding] {
        lesson.finishZeroWindow(at: summary.endNanoseconds)
        var out: [Finding] = []
        let id = lesson.id
        let server = summary.server
        let me = lesson.side == .unknown ? "the client" : "the board"
        let peer = lesson.programIsClient ? "the server" : "the client"

        // Handshake failures.
        if let refused = lesson.refusedFrame, lesson.programIsClient {
            out.append(Finding(
                id: .refused, session: id, frames: lesson.syns.frames + [refused],
                error: MicroPythonError.econnreset + " from s.connect(addr) (CPython says [Errno 111] ECONNREFUSED)",
                cause: "nothing listens on port \(server.port) at \(server.ip): the server's stack answered the SYN "
                    + "with RST.",
                advice: "Check the port number and that the server program is running and listening on that "
                    + "address; a firewall that rejects the port looks the same.",
                lesson: "the tutorial expects a SYN-ACK after the SYN; here \(peer) answered with RST at frame "
                    + "\(refused)."))
        }
        if lesson.syns.count >= 2, lesson.synAckFrame == nil, lesson.refusedFrame == nil {
            let seconds = seconds(lesson.lastSYNTime.flatMap { last in lesson.firstSYNTime.map { last - $0 } } ?? 0)
            if lesson.programIsClient {
                out.append(Finding(
                    id: .noAnswer, session: id, frames: lesson.syns.frames,
                    error: MicroPythonError.econnaborted + " from s.connect(addr) after 7 SYNs (about 6 s); with "
                        + "s.settimeout(t): " + MicroPythonError.etimedout,
                    cause: "\(server.ip) never answered: the server is down, or a firewall drops SYNs to port "
                        + "\(server.port).",
                    advice: "Check that the server runs and that port \(server.port) is open to the board (try it from "
                        + "a PC on the same Wi-Fi); with a firewall, allow the port.",
                    lesson: "the tutorial expects a SYN-ACK right after the SYN; here \(lesson.syns.count) SYNs over "
                        + "\(seconds) s got no answer (frames \(list(lesson.syns.frames)))."))
            } else {
                out.append(Finding(
                    id: .noAnswer, session: id, frames: lesson.syns.frames,
                    error: "nothing on the board; the client's connect() times out",
                    cause: "the board did not answer \(lesson.syns.count) SYNs to port \(server.port): no listen() on "
                        + "that port yet, or 5 connections already active (lwIP then drops new SYNs).",
                    advice: "Call listen() before clients connect, and close() every accepted socket (cl.close()) so "
                        + "connections do not pile up.",
                    lesson: "the tutorial's server answers a SYN at once; here \(lesson.syns.count) SYNs over "
                        + "\(seconds) s got no SYN-ACK."))
            }
        }
        if !lesson.programIsClient, lesson.syns.count >= 2, let synAck = lesson.synAckFrame {
            out.append(Finding(
                id: .acceptOverflow, session: id, frames: lesson.syns.frames + [synAck],
                error: "nothing on the board; the client waits (its SYN is retried) before it connects",
                cause: "the board ignored the first \(lesson.syns.count - 1) SYN(s) and answered a retry: its accept "
                    + "queue was full (listen(1) and nobody calling accept()), or 5 connections were active. "
                    + "(On the ESP8266 a full queue more often shows as a handshake followed by RST.)",
                advice: "Call s.accept() promptly in a loop, use a larger listen() backlog, and close each client "
                    + "socket as soon as you are done with it.",
                lesson: "the tutorial's server answers a SYN at once; here the SYN-ACK came only at frame "
                    + "\(synAck), after \(lesson.syns.count) SYNs."))
        }

        // Resets.
        if let reset = lesson.resetFrame {
            if lesson.resetFromMe, lesson.side == .server, lesson.myBytes == 0, lesson.handshakeACKFrame != nil {
                out.append(Finding(
                    id: .acceptOverflow, session: id, frames: [lesson.handshakeACKFrame, reset].compactMap { $0 },
                    error: "nothing on the board; the client (a browser) sees \"connection reset\"",
                    cause: "the board's stack completed the handshake, then found its accept queue full (listen(1) "
                        + "keeps one slot) and aborted the connection with RST.",
                    advice: "Call s.accept() promptly in a loop and close each client quickly; a browser opens two "
                        + "connections at once, so use s.listen(2) or more.",
                    lesson: "the tutorial expects s.accept() to take the connection and answer it; here the board "
                        + "sent RST at frame \(reset) right after the handshake."))
            } else if lesson.resetFromMe {
                let peerClosed = lesson.peerFINFrame.map { "after \(peer)'s FIN at frame \($0)" }
                    ?? "before \(peer) had finished sending"
                out.append(Finding(
                    id: .boardReset, session: id, frames: Array(lesson.zeroWindows.frames.prefix(3)) + [reset],
                    error: "nothing in MicroPython: s.close() returns; \(peer) sees \"connection reset by peer\" and "
                        + "the rest of the data is lost",
                    cause: "the program called close() while received data was still unread, so lwIP sends RST "
                        + "instead of FIN (\(peerClosed)).",
                    advice: "Read until recv() returns b'' before close(), or, if you only need the start, accept "
                        + "that the rest is thrown away (and ask for less, e.g. a Range header).",
                    lesson: "the tutorial reads until recv() returns b'' and its close() sends a FIN; here the board "
                        + "sent RST at frame \(reset)."))
            } else if lesson.established || lesson.myBytes > 0 {
                out.append(Finding(
                    id: .connectionReset, session: id, frames: [lesson.request?.frame, reset].compactMap { $0 },
                    error: MicroPythonError.econnreset + " from \(lesson.programIsClient ? "s.recv()" : "cl.recv()") "
                        + "or send()",
                    cause: "\(peer) aborted the connection with RST during the transfer: it crashed, rejected the "
                        + "request, or was restarted.",
                    advice: "Catch OSError around recv()/send(), close the socket and retry; check \(peer)'s logs for "
                        + "why it aborted.",
                    lesson: "the tutorial expects \(peer)'s response and then its FIN; here \(peer) sent RST at "
                        + "frame \(reset)."))
            }
        }

        // Flow control and loss.
        if !lesson.zeroWindows.isEmpty,
           lesson.probedWhileZero || lesson.longestZero >= options.zeroWindowNanoseconds {
            out.append(Finding(
                id: .zeroWindow, session: id, frames: lesson.zeroWindows.frames,
                error: "no error: the transfer slows down or stalls while the buffer is full",
                cause: "\(me)'s receive buffer (2144 bytes on the ESP8266) filled up: the program is not calling "
                    + "recv() fast enough, so \(peer) has to wait (window 0 for up to "
                    + "\(seconds(lesson.longestZero)) s, \(lesson.zeroWindows.count) zero-window ACKs).",
                advice: "Read in a tight loop (s.recv(536) matches one segment) and do slow work (printing, sleeping, "
                    + "writing flash) after the transfer; close the socket if you do not need the rest.",
                lesson: "the tutorial's recv(100) loop keeps the window open; here \(me) advertised window 0 at frame "
                    + "\(lesson.zeroWindows.first ?? 0)."))
        }
        let retransmitted = lesson.dataRetransmissions.count
        if retransmitted >= 2 || (retransmitted >= 1 && lesson.lostSegments >= 1) {
            out.append(Finding(
                id: .retransmissions, session: id, frames: lesson.dataRetransmissions.frames,
                error: "no error, only a slow transfer; on a link bad enough, " + MicroPythonError.etimedout
                    + " (with a timeout) or " + MicroPythonError.econnaborted + " after 12 tries",
                cause: "segments were lost and sent again (\(retransmitted) retransmissions, \(lesson.lostSegments) "
                    + "gaps): a weak or busy Wi-Fi link.",
                advice: "Move the board closer to the access point, check its power supply (brown-outs weaken the "
                    + "radio), or pick a less crowded Wi-Fi channel.",
                lesson: "the tutorial's transfer sends each segment once; here \(retransmitted) segments were sent "
                    + "again, first at frame \(lesson.dataRetransmissions.first ?? 0)."))
        }

        // HTTP, when the board is the client.
        guard lesson.programIsClient else { return out }
        if let request = lesson.request, request.version == "HTTP/1.1", !request.connectionClose,
           let response = lesson.response, !response.connectionClose, let lastData = lesson.lastPeerDataTime {
            let closeTime = lesson.peerFINTime ?? summary.endNanoseconds
            let gap = closeTime - lastData
            if gap >= options.keepAliveGapNanoseconds {
                let frames = [request.frame, lesson.lastPeerDataFrame, lesson.peerFINFrame].compactMap { $0 }
                let after = lesson.peerFINFrame.map { "its FIN came \(seconds(gap)) s later, at frame \($0)" }
                    ?? "it had not closed \(seconds(gap)) s later, when the capture ended"
                out.append(Finding(
                    id: .keepAliveWait, session: id, frames: frames,
                    error: "no error: the recv() loop just waits (here \(seconds(gap)) s; many servers wait minutes); "
                        + "with s.settimeout(t): " + MicroPythonError.etimedout,
                    cause: "the request says HTTP/1.1, so the server keeps the connection open for another request "
                        + "(keep-alive) and recv() only returns b'' when its idle timeout closes it.",
                    advice: "Send HTTP/1.0 as the tutorial does, or add the header \"Connection: close\", or read "
                        + "Content-Length bytes and stop.",
                    lesson: "the tutorial (HTTP/1.0) expects the server's FIN right after the response; here "
                        + after + "."))
            }
        }
        if let response = lesson.response, response.chunked {
            out.append(Finding(
                id: .chunked, session: id, frames: [response.frame],
                error: "no error from the socket: the printed page contains chunk-size lines (hex numbers such as "
                    + "\"1a\"); older urequests raises NotImplementedError: Unsupported Transfer-Encoding: chunked",
                cause: "the server answered with Transfer-Encoding: chunked, which HTTP/1.1 allows; the program "
                    + "expects a plain body.",
                advice: "Send HTTP/1.0 (servers never chunk a 1.0 response), or decode the chunks (size line, data, "
                    + "CRLF, until size 0), or update urequests.",
                lesson: "the tutorial (HTTP/1.0) expects a plain body after the headers; here the response at frame "
                    + "\(response.frame) is chunked."))
        }
        if let request = lesson.request, !request.hasHost || request.bareLF {
            var problems: [String] = []
            if !request.hasHost { problems.append("it has no Host header") }
            if request.bareLF { problems.append("its lines end with a bare \\n instead of \\r\\n") }
            out.append(Finding(
                id: .badRequest, session: id, frames: [request.frame, lesson.response?.frame].compactMap { $0 },
                error: "no error: the server answers 400 Bad Request (or closes) instead of the page",
                cause: "the request is malformed: " + problems.joined(separator: " and ") + ".",
                advice: "Build it as the tutorial does: 'GET /%s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n' — every line "
                    + "ends with \\r\\n and Host names the server.",
                lesson: "the tutorial's request has a Host line and \\r\\n line ends; here the request at frame "
                    + "\(request.frame) does not."))
        }
        if let response = lesson.response, let status = response.status, status >= 300 {
            let reason = response.reason.map { " \($0)" } ?? ""
            out.append(Finding(
                id: .httpError, session: id, frames: [lesson.request?.frame, response.frame].compactMap { $0 },
                error: "no error: recv() returns the server's error page; the status line says \(status)\(reason)",
                cause: status >= 500 ? "the server failed while handling the request."
                    : status >= 400 ? "the server rejected the request (wrong path, missing permission, bad request)."
                    : "the server redirects elsewhere; the socket does not follow redirects.",
                advice: status >= 500 ? "Check the server's logs; retry later."
                    : status >= 400 ? "Check the path and host in the URL (print the request you send)."
                    : "Request the address in the Location header instead.",
                lesson: "the tutorial expects \"200 OK\"; here the response at frame \(response.frame) says "
                    + "\(status)\(reason)."))
        }
        return out
    }

    /// "1.5" seconds with one decimal (three below 0.1 s).
    static func seconds(_ nanoseconds: Int64) -> String {
        let value = Double(nanoseconds) / 1e9
        if value < 0.1 {
            let millis = Int((value * 1000).rounded())
            return "0." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis)
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// "3, 4, 5".
    static func list(_ frames: [Int]) -> String { frames.map(String.init).joined(separator: ", ") }
}
