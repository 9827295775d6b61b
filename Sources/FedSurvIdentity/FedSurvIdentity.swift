// The FedSurvIdentity module; see Package.swift for what it holds.
