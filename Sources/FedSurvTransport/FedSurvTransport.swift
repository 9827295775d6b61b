// The FedSurvTransport module; see Package.swift for what it holds.
