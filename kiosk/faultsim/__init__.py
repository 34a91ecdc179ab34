"""Fault injection for the circulation core: randomised scenarios on simulators and the invariant checker."""
