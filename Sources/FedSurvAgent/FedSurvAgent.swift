// The FedSurvAgent module; see Package.swift for what it holds.
