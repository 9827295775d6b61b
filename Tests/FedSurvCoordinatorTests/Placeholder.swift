// Tests of the coordinator service and the site agent.
