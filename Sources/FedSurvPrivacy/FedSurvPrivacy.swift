// FedSurvPrivacy: noise samplers, mechanisms, clipping and privacy accounting.
//
// The unit of privacy is one patient at one site, under add/remove-one-patient
// adjacency. docs/PRIVACY.md states the formulas, assumptions and sources.
