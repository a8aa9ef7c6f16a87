import Foundation
import Testing
@testable import Kernels

@Suite struct OpenBLASCoreTests {
    static let avx512: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
    static let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]

    @Test func instructionSetsFromFlags() {
        #expect(OpenBLASCore.InstructionSet(flags: Self.avx512) == .avx512)
        #expect(OpenBLASCore.InstructionSet(flags: Self.avx512.subtracting(["avx512vl"])) == .avx2)   // incomplete AVX-512
        #expect(OpenBLASCore.InstructionSet(flags: Self.avx2) == .avx2)
        #expect(OpenBLASCore.InstructionSet(flags: ["avx", "avx2"]) == .avx)                           // AVX2 without FMA
        #expect(OpenBLASCore.InstructionSet(flags: ["sse2"]) == .baseline)
        #expect(OpenBLASCore.InstructionSet(flags: []) == .baseline)
        #expect(OpenBLASCore.instructionSet(ofCore: "Cooperlake") == .avx512)
        #expect(OpenBLASCore.instructionSet(ofCore: "ZEN") == .avx2)
        #expect(OpenBLASCore.instructionSet(ofCore: "Prescott") == .baseline)
        #expect(OpenBLASCore.instructionSet(ofCore: "Neoverse") == nil)
    }

    /// (OpenBLAS's pick, what the CPU supports, the user's OPENBLAS_CORETYPE) -> the decision.
    @Test func decisions() {
        typealias Set = OpenBLASCore.InstructionSet
        let cases: [(String, Set, String?, String?)] = [
            // The trap: a masked or too-new CPU gets a generic or older kernel -> restart with the best.
            ("Prescott", .avx512, nil, "SkylakeX"),
            ("Haswell", .avx512, nil, "SkylakeX"),
            ("Nehalem", .avx2, nil, "Haswell"),
            ("Core2", .avx, nil, "Sandybridge"),
            // Already the best, or better than we would ask for: keep.
            ("Cooperlake", .avx512, nil, nil),
            ("SkylakeX", .avx512, nil, nil),
            ("Zen", .avx2, nil, nil),
            ("Haswell", .avx2, nil, nil),
            ("Prescott", .baseline, nil, nil),
            // A core the table does not know: keep (never guess on an unknown architecture).
            ("ArmV8", .baseline, nil, nil),
            // The user's setting always wins, even when weaker.
            ("Prescott", .avx512, "Prescott", nil),
            ("Haswell", .avx512, "Haswell", nil),
            ("SkylakeX", .avx512, "SkylakeX", nil),
            // An empty setting is no setting.
            ("Haswell", .avx512, "", "SkylakeX"),
        ]
        for (picked, supported, user, expected) in cases {
            let decision = OpenBLASCore.decide(openBLASCore: picked, supported: supported, userSetting: user)
            switch (decision, expected) {
            case (.switchTo(let core), let expected?): #expect(core == expected, "\(picked) \(supported) \(user ?? "-")")
            case (.keep, nil): break
            default: Issue.record("\(picked) \(supported) \(user ?? "-"): \(decision), expected \(expected ?? "keep")")
            }
        }
        // A weaker user setting is kept, with the reason and the way out.
        if case .keep(let reason) = OpenBLASCore.decide(openBLASCore: "Haswell", supported: .avx512, userSetting: "Haswell") {
            #expect(reason.contains("OPENBLAS_CORETYPE=Haswell") && reason.contains("SkylakeX") && reason.contains("unset"))
        } else {
            Issue.record("a user setting was overridden")
        }
    }

    /// cpuid (what the program sees) agrees with the kernel's /proc/cpuinfo flags on this machine.
    @Test func cpuidAgreesWithProcCpuinfo() throws {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let flags = Set(line.split(separator: ":")[1].split(separator: " ").map(String.init))
        #expect(OpenBLASCore.InstructionSet.detected == OpenBLASCore.InstructionSet(flags: flags))
    }
}
