// The FedSurvPrivacy module; see Package.swift for what it holds.
