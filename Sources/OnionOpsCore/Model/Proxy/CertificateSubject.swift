/// The subject fields of a certificate besides its common name, which is
/// always the onion (the first onion of an umbrella certificate). Empty
/// fields are left out of the certificate.
public struct CertificateSubject: Sendable, Hashable {
    /// O.
    public var organization: String?
    /// OU.
    public var organizationalUnit: String?
    /// C: two letters (ISO 3166).
    public var country: String?
    /// L.
    public var locality: String?
    /// ST.
    public var state: String?

    public init(
        organization: String? = nil, organizationalUnit: String? = nil, country: String? = nil,
        locality: String? = nil, state: String? = nil
    ) {
        self.organization = organization
        self.organizationalUnit = organizationalUnit
        self.country = country
        self.locality = locality
        self.state = state
    }

    /// Each field with its manifest key and its upper bound in X.520
    /// (`ub-organization-name` 64, `ub-locality-name` 128, ...).
    public var fields: [(key: String, value: String?, maxLength: Int)] {
        [
            ("organization", organization, 64), ("organizationalUnit", organizationalUnit, 64),
            ("country", country, 2), ("locality", locality, 128), ("state", state, 128),
        ]
    }
}
