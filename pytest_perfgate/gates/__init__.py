"""Gates beyond one call: how a function's time grows with its input, how it shares the machine."""
