public enum OnionOpsVersion {
    public static let current = "0.1.0"
}
