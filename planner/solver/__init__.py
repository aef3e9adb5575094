"""Solving: the HiGHS adapter (the only code that talks to the solver), Dinkelbach, explanations."""
