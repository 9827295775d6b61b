// Tests of FedSurvFederation.
