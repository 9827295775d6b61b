// The FedSurvConfig module; see Package.swift for what it holds.
