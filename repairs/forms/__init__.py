"""Forms of the repair screens: one module per screen (order, desk, board)."""
