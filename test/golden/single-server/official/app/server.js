// infra-lab application server (a stand-in for the bundle in this test)
