"""Recompiling only what a parameter change touches: the rows and objective terms that use a changed parameter.

The adapter compiles the whole model once (Pyomo's standard-form compiler, about 0.2 s on the reference). After
a parameter change it asks ``ParameterUses`` which constraints and which objective terms use the changed
parameters and recompiles only those, with the same linear visitor the compiler uses, so a launch-price change
recompiles some 2,500 objective terms instead of 7,000 rows and the objective.

The objective is split into its terms (the summands of its sums, through named expressions). A column's cost is
the sum of its coefficients over the terms, added in the order the compiler adds them, so an in-place update
gives the costs of a fresh compile (``tests/test_incremental.py`` checks every parameter; a row coefficient can
differ in its last bit where the compiler met a named expression in another row first).
"""

from __future__ import annotations

from bisect import insort

from pyomo.core.expr.numeric_expr import SumExpression
from pyomo.repn.linear import LinearRepnVisitor

NATIVE = (int, float)


def objective_terms(expr) -> list:
    """The summands of an objective, left to right, with named expressions and nested sums opened."""
    out, stack = [], [expr]
    while stack:
        e = stack.pop()
        if getattr(e, "is_named_expression_type", lambda: False)():
            stack.append(e.expr)
        elif isinstance(e, SumExpression):
            stack.extend(reversed(e.args))
        else:
            out.append(e)
    return out


_KIND: dict[type, int] = {int: 0, float: 0}  # expression node class -> 0 leaf, 1 expression (descend), 2 parameter


def _params(expr) -> set[int]:
    """ids of the parameters in an expression: a plain stack walk, three times quicker than Pyomo's visitor on the
    reference (0.09 s for its 7,000 constraints)."""
    out, stack = set(), [expr]
    while stack:
        x = stack.pop()
        kind = _KIND.get(x.__class__)
        if kind is None:
            kind = _KIND[x.__class__] = 1 if x.is_expression_type() else 2 if x.is_parameter_type() else 0
        if kind == 1:
            stack.extend(x.args)
        elif kind == 2:
            out.add(id(x))
    return out


class ParameterUses:
    """Which constraints and objective terms of a model use each mutable parameter (one walk of the model), and
    each objective term's linear form as last compiled (rebuilt after every full compile: ``forget``)."""

    def __init__(self, constraints, objective):
        self.constraints: dict[int, list] = {}  # id(param) -> constraints whose body or bounds use it
        for con in constraints:
            for p in _params(con.expr):
                self.constraints.setdefault(p, []).append(con)
        self.terms = objective_terms(objective.expr)
        self.term_users: dict[int, list[int]] = {}  # id(param) -> objective terms using it
        for t, term in enumerate(self.terms):
            for p in _params(term):
                self.term_users.setdefault(p, []).append(t)
        self.linear: list[dict[int, float]] | None = None  # term -> {id(var): coefficient}
        self.constant: list[float] = []
        self.var_terms: dict[int, list[int]] = {}  # id(var) -> terms with it, ascending

    def touched(self, params) -> tuple[list, list[int]]:
        """The constraints and objective terms that use any of these parameter data objects."""
        cons, terms = {}, set()
        for p in params:
            for con in self.constraints.get(id(p), ()):
                cons[id(con)] = con
            terms.update(self.term_users.get(id(p), ()))
        return list(cons.values()), sorted(terms)

    def forget(self) -> None:
        """The model was compiled afresh (a fixing may have moved a variable into the constant): recompile every
        term at the next update."""
        self.linear = None

    def recompile_terms(self, terms: list[int], visitor: LinearRepnVisitor) -> tuple[dict[int, float], float]:
        """Recompile these objective terms: returns the new cost of every variable they had or have now, and the
        objective's constant."""
        if self.linear is None:
            self.linear, self.constant, self.var_terms = [{} for _ in self.terms], [0.0] * len(self.terms), {}
            terms = range(len(self.terms))
        touched: set[int] = set()
        for t in terms:
            linear, constant = self._compile(self.terms[t], visitor)
            old = self.linear[t]
            for v in linear.keys() - old.keys():
                insort(self.var_terms.setdefault(v, []), t)
            touched.update(old.keys(), linear.keys())
            self.linear[t], self.constant[t] = linear, constant
        costs = {v: sum(self.linear[t].get(v, 0.0) for t in self.var_terms.get(v, ())) for v in touched}
        return costs, sum(self.constant)

    @staticmethod
    def _compile(expr, visitor: LinearRepnVisitor) -> tuple[dict[int, float], float]:
        if expr.__class__ in NATIVE:
            return {}, float(expr)
        repn = visitor.walk_expression(expr)
        if repn.nonlinear is not None:
            raise ValueError("a nonlinear objective term")
        return dict(repn.linear), float(repn.constant)
