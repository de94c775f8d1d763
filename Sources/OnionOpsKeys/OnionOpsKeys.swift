// Key material lives here; see OnionKey.swift.
