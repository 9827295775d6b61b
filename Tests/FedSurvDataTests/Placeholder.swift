// Tests of FedSurvData.
