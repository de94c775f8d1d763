// Sealed secrets live here; see AgeSealer.swift.
