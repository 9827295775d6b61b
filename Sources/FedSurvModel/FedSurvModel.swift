// The FedSurvModel module; see Package.swift for what it holds.
