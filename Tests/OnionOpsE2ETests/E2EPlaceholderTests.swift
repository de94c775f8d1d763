// End-to-end tests through a private Tor network land here (make e2e).
