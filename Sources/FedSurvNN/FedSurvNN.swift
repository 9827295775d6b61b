// The FedSurvNN module; see Package.swift for what it holds.
