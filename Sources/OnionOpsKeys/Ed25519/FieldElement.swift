/// An element of GF(2^255 - 19), in five 51-bit limbs.
///
/// Only here because swift-crypto derives an Ed25519 public key from a
/// seed but not from tor's expanded secret key (a seed cannot be recovered
/// from it), so importing `hs_ed25519_secret_key` needs its own
/// scalar-base multiplication. Every operation is straight-line limb
/// arithmetic with no branch on the value, so timing does not depend on
/// the secret.
struct FieldElement: Sendable {
    var l0: UInt64
    var l1: UInt64
    var l2: UInt64
    var l3: UInt64
    var l4: UInt64

    private static let mask: UInt64 = (1 << 51) - 1

    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64) {
        self.l0 = l0
        self.l1 = l1
        self.l2 = l2
        self.l3 = l3
        self.l4 = l4
    }

    init(_ small: UInt64) {
        self.init(small, 0, 0, 0, 0)
    }

    static let zero = FieldElement(0)
    static let one = FieldElement(1)

    /// From 32 little-endian bytes; the top bit is ignored, as RFC 8032 does.
    init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a field element is encoded in 32 bytes")
        func word(_ offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<8 where offset + index < 32 {
                value |= UInt64(bytes[offset + index]) << UInt64(8 * index)
            }
            return value
        }
        // Limb i holds bits 51*i ..< 51*i + 51.
        self.init(
            word(0) & Self.mask,
            (word(6) >> 3) & Self.mask,
            (word(12) >> 6) & Self.mask,
            (word(19) >> 1) & Self.mask,
            (word(24) >> 12) & Self.mask
        )
    }

    /// The canonical (fully reduced) 32-byte little-endian encoding.
    var bytes: [UInt8] {
        var h = self.carried().carried()
        // h < 2^255 + 19 here; q = 1 exactly when h >= p.
        var q = (h.l0 &+ 19) >> 51
        q = (h.l1 &+ q) >> 51
        q = (h.l2 &+ q) >> 51
        q = (h.l3 &+ q) >> 51
        q = (h.l4 &+ q) >> 51
        // h - q*p = h + 19q - q*2^255; the 2^255 falls off the top limb.
        h.l0 &+= 19 &* q
        h.l1 &+= h.l0 >> 51
        h.l0 &= Self.mask
        h.l2 &+= h.l1 >> 51
        h.l1 &= Self.mask
        h.l3 &+= h.l2 >> 51
        h.l2 &= Self.mask
        h.l4 &+= h.l3 >> 51
        h.l3 &= Self.mask
        h.l4 &= Self.mask

        var out = [UInt8](repeating: 0, count: 32)
        let limbs = [h.l0, h.l1, h.l2, h.l3, h.l4]
        for bit in stride(from: 0, to: 255, by: 8) {
            let limb = bit / 51
            let shift = UInt64(bit % 51)
            var value = limbs[limb] >> shift
            if shift > 43, limb < 4 {
                value |= limbs[limb + 1] << (51 - shift)
            }
            out[bit / 8] = UInt8(truncatingIfNeeded: value)
        }
        return out
    }

    /// Bit 0 of the canonical value: the "sign" of x in a point encoding.
    var isNegative: Bool { bytes[0] & 1 == 1 }

    /// One carry pass: every limb below 2^51 except limb 0, which stays
    /// below 2^51 + 2^18. Keeps inputs of `*` and `-` in range.
    func carried() -> FieldElement {
        var h = self
        h.l1 &+= h.l0 >> 51
        h.l0 &= Self.mask
        h.l2 &+= h.l1 >> 51
        h.l1 &= Self.mask
        h.l3 &+= h.l2 >> 51
        h.l2 &= Self.mask
        h.l4 &+= h.l3 >> 51
        h.l3 &= Self.mask
        h.l0 &+= 19 &* (h.l4 >> 51)
        h.l4 &= Self.mask
        return h
    }

    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(a.l0 &+ b.l0, a.l1 &+ b.l1, a.l2 &+ b.l2, a.l3 &+ b.l3, a.l4 &+ b.l4).carried()
    }

    /// a + 2p - b, so no limb goes negative (b's limbs are below 2^52 - 38).
    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        let twoP0: UInt64 = 0xF_FFFF_FFFF_FFDA
        let twoP: UInt64 = 0xF_FFFF_FFFF_FFFE
        return FieldElement(
            a.l0 &+ twoP0 &- b.l0,
            a.l1 &+ twoP &- b.l1,
            a.l2 &+ twoP &- b.l2,
            a.l3 &+ twoP &- b.l3,
            a.l4 &+ twoP &- b.l4
        ).carried()
    }

    static prefix func - (a: FieldElement) -> FieldElement { .zero - a }

    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        // 2^255 = 19 (mod p): a product limb above limb 4 folds back times 19.
        let a0 = UInt128(a.l0)
        let a1 = UInt128(a.l1)
        let a2 = UInt128(a.l2)
        let a3 = UInt128(a.l3)
        let a4 = UInt128(a.l4)
        let b0 = UInt128(b.l0)
        let b1 = UInt128(b.l1)
        let b2 = UInt128(b.l2)
        let b3 = UInt128(b.l3)
        let b4 = UInt128(b.l4)
        let b1x19 = b1 &* 19
        let b2x19 = b2 &* 19
        let b3x19 = b3 &* 19
        let b4x19 = b4 &* 19

        var r0 = a0 &* b0 &+ a1 &* b4x19 &+ a2 &* b3x19 &+ a3 &* b2x19 &+ a4 &* b1x19
        var r1 = a0 &* b1 &+ a1 &* b0 &+ a2 &* b4x19 &+ a3 &* b3x19 &+ a4 &* b2x19
        var r2 = a0 &* b2 &+ a1 &* b1 &+ a2 &* b0 &+ a3 &* b4x19 &+ a4 &* b3x19
        var r3 = a0 &* b3 &+ a1 &* b2 &+ a2 &* b1 &+ a3 &* b0 &+ a4 &* b4x19
        var r4 = a0 &* b4 &+ a1 &* b3 &+ a2 &* b2 &+ a3 &* b1 &+ a4 &* b0

        let mask = UInt128(Self.mask)
        r1 &+= r0 >> 51
        r0 &= mask
        r2 &+= r1 >> 51
        r1 &= mask
        r3 &+= r2 >> 51
        r2 &= mask
        r4 &+= r3 >> 51
        r3 &= mask
        r0 &+= (r4 >> 51) &* 19
        r4 &= mask
        return FieldElement(
            UInt64(truncatingIfNeeded: r0),
            UInt64(truncatingIfNeeded: r1),
            UInt64(truncatingIfNeeded: r2),
            UInt64(truncatingIfNeeded: r3),
            UInt64(truncatingIfNeeded: r4)
        ).carried()
    }

    func squared() -> FieldElement { self * self }

    /// self^(p-2) = 1/self (Fermat). The exponent is public, so branching
    /// on its bits leaks nothing.
    func inverted() -> FieldElement {
        // p - 2 = 2^255 - 21, little-endian.
        var exponent = [UInt8](repeating: 0xFF, count: 32)
        exponent[0] = 0xEB
        exponent[31] = 0x7F
        var result = FieldElement.one
        for bit in (0..<255).reversed() {
            result = result.squared()
            if (exponent[bit / 8] >> UInt8(bit % 8)) & 1 == 1 {
                result = result * self
            }
        }
        return result
    }

    /// `b` when `flag` is 1, `a` when 0, without a branch.
    static func select(_ a: FieldElement, _ b: FieldElement, flag: UInt64) -> FieldElement {
        let m = 0 &- flag
        return FieldElement(
            a.l0 ^ (m & (a.l0 ^ b.l0)),
            a.l1 ^ (m & (a.l1 ^ b.l1)),
            a.l2 ^ (m & (a.l2 ^ b.l2)),
            a.l3 ^ (m & (a.l3 ^ b.l3)),
            a.l4 ^ (m & (a.l4 ^ b.l4))
        )
    }
}
