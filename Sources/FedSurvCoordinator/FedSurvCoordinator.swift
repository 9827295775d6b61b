// The FedSurvCoordinator module; see Package.swift for what it holds.
