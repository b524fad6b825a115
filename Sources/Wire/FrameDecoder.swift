/// Decodes whole frames by link type. The entry point of the `Wire` module.
public enum FrameDecoder {
    /// Decodes one captured frame. Never traps: malformed input ends in `stoppedAt`.
    /// With `recordFields`, every field is recorded in `fields` (for explain); otherwise the fast path.
    public static func decode(_ bytes: [UInt8], linkType: UInt32, recordFields: Bool = false) -> DecodedFrame {
        var frame = DecodedFrame(linkType: linkType)
        let recorder = recordFields ? FieldRecorder() : nil
        var reader = FrameReader(bytes: bytes, recorder: recorder)
        // Placeholder until the link decoders land: the whole frame is payload.
        reader.record(.payload, "data", offset: 0, length: bytes.count, value: { hexString(bytes) },
                      meaning: { "bytes not decoded yet" })
        _ = try? reader.skip(bytes.count, .payload)
        if let recorder { frame.fields = recorder.fields }
        return frame
    }
}
