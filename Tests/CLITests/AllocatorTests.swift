import Foundation
import Testing

/// The binary allocates through mimalloc (Package.swift links it; Benchmarks/OPTIMISATION.md round 7 has why).
@Suite struct AllocatorTests {
    @Test func binaryAllocatesThroughMimalloc() throws {
        let capture = CLI.repository.appendingPathComponent("Captures/http-get.pcap").path
        // mimalloc prints its statistics at exit when asked; glibc's malloc ignores the variable.
        let arguments = ["read", capture, "--format", "json", "--threads", "2"]
        let result = try CLI.run("/usr/bin/env", ["MIMALLOC_SHOW_STATS=1", CLI.binary] + arguments)
        #expect(result.status == 0)
        #expect(result.stderr.contains("heap stats"), "stderr: \(result.stderr.prefix(300))")
        // The output itself is untouched by the statistics: the same bytes as a run without them.
        let plain = try CLI.run(CLI.binary, arguments)
        #expect(!plain.stderr.contains("heap stats"))
        #expect(!result.stdout.isEmpty)
        #expect(result.stdout == plain.stdout)
    }
}
