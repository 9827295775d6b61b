import FedSurvLedger

/// Returns the accountant every `privacy-audit` command re-derives epsilons with:
/// the same privacy-loss-distribution accountant sites and the coordinator append with.
func makeAuditAccountant() -> any LedgerAccountant {
    PLDLedgerAccountant()
}
