"""Simulated SIGB: a SIP2 server over TCP/TLS backed by an in-memory library network.

``SimulatedSIGB`` serves the bytes a real SIGB would (Koha-like by default, with
quirk profiles and fault injection); ``load_sample_dataset()`` returns the
shipped 36-branch sample network used by the demo and the tests. The
circulation rules live in :mod:`simulators.sigb.library` and can be used
without a network.
"""

from __future__ import annotations

from simulators.sigb.dataset import Dataset, load_dataset, load_sample_dataset
from simulators.sigb.errors import DatasetError, SigbSimError
from simulators.sigb.faults import Faults
from simulators.sigb.library import Library, Transaction
from simulators.sigb.profiles import PROFILES, Profile
from simulators.sigb.server import SimulatedSIGB

__all__ = [
    "PROFILES", "Dataset", "DatasetError", "Faults", "Library", "Profile", "SigbSimError", "SimulatedSIGB",
    "Transaction",
    "load_dataset", "load_sample_dataset",
]
