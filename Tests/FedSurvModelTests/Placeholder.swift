// Tests of FedSurvModel.
