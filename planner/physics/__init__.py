"""Pure physics functions (units in their names) that fix the model's coefficients.

Nothing here knows about scenarios, catalogs or the optimisation model: numbers in, numbers out.
"""
