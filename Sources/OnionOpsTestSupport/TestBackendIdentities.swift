public import OnionOpsCore

/// Deterministic backend addresses for tests: a stable function of the
/// backend's id. They are valid v3 addresses but no real keys stand
/// behind them.
public struct TestBackendIdentities: BackendIdentities {
    public init() {}

    public func address(of backend: BackendID) -> OnionAddress {
        // FNV-1a over the id, then splitmix64 to fill 32 bytes.
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in backend.description.utf8 {
            state = (state ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        var key: [UInt8] = []
        while key.count < 32 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            z ^= z >> 31
            for shift in stride(from: 0, to: 64, by: 8) { key.append(UInt8(truncatingIfNeeded: z >> UInt64(shift))) }
        }
        return OnionAddress(publicKey: Array(key.prefix(32)))
    }
}
