/// Supplies each softmap backend's onion address.
///
/// Backend addresses must be known before anything is applied (so a dry
/// run is exact) and must never change between reconciles; where they come
/// from (derived from a sealed per-project secret) is the keys layer's
/// business, not the renderer's.
public protocol BackendIdentities: Sendable {
    func address(of backend: BackendID) -> OnionAddress
}
