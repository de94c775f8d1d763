import Testing

@Suite struct KeysPlaceholderTests {
    @Test func builds() { #expect(Bool(true)) }
}
