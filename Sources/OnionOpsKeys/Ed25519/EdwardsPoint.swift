/// A point of edwards25519 (-x^2 + y^2 = 1 + d x^2 y^2) in extended
/// coordinates: x = X/Z, y = Y/Z, x*y = T/Z.
///
/// Just enough of the curve to turn tor's expanded secret key into its
/// public key (see `FieldElement` for why this is not swift-crypto). Tests
/// check it against swift-crypto's Ed25519 and against keys tor made.
struct EdwardsPoint: Sendable {
    var x: FieldElement
    var y: FieldElement
    var z: FieldElement
    var t: FieldElement

    static let identity = EdwardsPoint(x: .zero, y: .one, z: .one, t: .zero)

    /// d = -121665 / 121666, computed rather than typed in.
    static let d: FieldElement = -(FieldElement(121_665) * FieldElement(121_666).inverted())
    static let twoD: FieldElement = d + d

    /// The base point B of RFC 8032: y = 4/5, x even.
    static let base: EdwardsPoint = {
        let x = FieldElement(bytes: [
            0x1A, 0xD5, 0x25, 0x8F, 0x60, 0x2D, 0x56, 0xC9, 0xB2, 0xA7, 0x25, 0x95, 0x60, 0xC7, 0x2C, 0x69,
            0x5C, 0xDC, 0xD6, 0xFD, 0x31, 0xE2, 0xA4, 0xC0, 0xFE, 0x53, 0x6E, 0xCD, 0xD3, 0x36, 0x69, 0x21,
        ])
        let y = FieldElement(4) * FieldElement(5).inverted()
        return EdwardsPoint(x: x, y: y, z: .one, t: x * y)
    }()

    /// Whether the point satisfies the curve equation (for tests).
    var isOnCurve: Bool {
        let zInverse = z.inverted()
        let ax = x * zInverse
        let ay = y * zInverse
        let x2 = ax.squared()
        let y2 = ay.squared()
        let left = y2 - x2
        let right = FieldElement.one + Self.d * x2 * y2
        return left.bytes == right.bytes
    }

    /// The 32-byte encoding: y little-endian, the sign of x in the top bit.
    var encoded: [UInt8] {
        let zInverse = z.inverted()
        let affineX = x * zInverse
        var out = (y * zInverse).bytes
        out[31] |= affineX.isNegative ? 0x80 : 0
        return out
    }

    /// Unified addition (Hisil-Wong-Carter-Dawson 2008, a = -1). Complete on
    /// this curve, so adding the identity or a point to itself is fine.
    static func + (p: EdwardsPoint, q: EdwardsPoint) -> EdwardsPoint {
        let a = (p.y - p.x) * (q.y - q.x)
        let b = (p.y + p.x) * (q.y + q.x)
        let c = p.t * twoD * q.t
        let zz = p.z * q.z
        let d = zz + zz
        let e = b - a
        let f = d - c
        let g = d + c
        let h = b + a
        return EdwardsPoint(x: e * f, y: g * h, z: f * g, t: e * h)
    }

    /// Doubling (dbl-2008-hwcd with a = -1).
    func doubled() -> EdwardsPoint {
        let a = x.squared()
        let b = y.squared()
        let zz = z.squared()
        let c = zz + zz
        let e = (x + y).squared() - a - b
        let g = b - a
        let f = g - c
        let h = -a - b
        return EdwardsPoint(x: e * f, y: g * h, z: f * g, t: e * h)
    }

    static func select(_ a: EdwardsPoint, _ b: EdwardsPoint, flag: UInt64) -> EdwardsPoint {
        EdwardsPoint(
            x: .select(a.x, b.x, flag: flag),
            y: .select(a.y, b.y, flag: flag),
            z: .select(a.z, b.z, flag: flag),
            t: .select(a.t, b.t, flag: flag)
        )
    }

    /// scalar * B for a 32-byte little-endian scalar. Double-and-add-always
    /// with a branch-free select: the same operations run for every scalar.
    static func multiplyBase(by scalar: [UInt8]) -> EdwardsPoint {
        precondition(scalar.count == 32, "a scalar is 32 bytes")
        var result = EdwardsPoint.identity
        var power = EdwardsPoint.base
        for bit in 0..<256 {
            let flag = UInt64((scalar[bit / 8] >> UInt8(bit % 8)) & 1)
            result = select(result, result + power, flag: flag)
            power = power.doubled()
        }
        return result
    }
}
