// Tests of FedSurvIdentity.
