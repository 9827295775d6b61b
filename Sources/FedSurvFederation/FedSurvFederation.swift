// The FedSurvFederation module; see Package.swift for what it holds.
