// Tests of FedSurvNN.
