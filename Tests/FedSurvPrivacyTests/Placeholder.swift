// Tests of FedSurvPrivacy.
