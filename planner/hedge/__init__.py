"""Two-stage stochastic hedge (``planner hedge SPEC``): what to commit now, before the world is known."""
