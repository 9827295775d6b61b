// The FedSurvData module; see Package.swift for what it holds.
