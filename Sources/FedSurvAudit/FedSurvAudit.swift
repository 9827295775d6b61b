// The FedSurvAudit module; see Package.swift for what it holds.
