"""Errors of the simulated SIGB, for the user running ``borne sim sip2`` and for tests."""

from __future__ import annotations


class SigbSimError(Exception):
    """Base class: a problem with the simulated SIGB's data or configuration."""


class DatasetError(SigbSimError):
    """The dataset file is unreadable or invalid; the message names the key and what to fix."""
