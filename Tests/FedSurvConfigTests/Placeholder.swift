// Tests of FedSurvConfig.
