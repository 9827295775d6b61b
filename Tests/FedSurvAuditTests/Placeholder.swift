// Tests of FedSurvAudit.
