"""The mixed-integer model: coefficients (from physics), sparse sets, constraint blocks, the objective."""
