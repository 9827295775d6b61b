// Tests of FedSurvTransport.
