"""The tag-encoding (conversion) station: every item of the collection gets a verified ISO 28560 tag.

Theory of operation
-------------------
Staff scan an item's barcode and put its tag on the reader pad. The desk checks
the barcode against the network's format (:mod:`.barcode`), optionally asks the
SIGB for the title and media type over SIP2 (:mod:`.lookup`), waits for exactly
one new tag, reads it and decides (:mod:`.assess`): a blank tag is written; a
tag already holding this item in the network profile is "already done"; a tag
of another item needs the staff's confirmation; a legacy tag (ISO 28560-3 and
its vendor deviations, 3M) is migrated keeping its identifier and set
information; a patron card or a tag whose locked blocks would have to change is
refused with the reason. The write (:mod:`.plan`, :mod:`.writer`) follows the
network profile (:mod:`.profile`: ISO 28560-2 with PII, owner ISIL, set
information and type of usage by default, no title), sets the secured AFI, the
DSFID and EAS, reads everything back and checks it decodes to what was
intended, then locks per policy. Every outcome is journaled (item, UID, time,
duration, station, operator pseudonym; no patron data) and counted
(:mod:`.stats`).

:class:`~.station.EncodingStation` is the observable model the staff window
(``ui.encoding_station``) and the terminal front-end (:mod:`.console`) show;
:class:`~.runner.StationRunner` runs it on a worker thread. Multi-part items,
batch lists (:mod:`.batch`) and migration mode are modes of the same model.
:mod:`.demo` builds a desk on the simulators.
"""

from .assess import Assessment, Target, Verdict, assess
from .barcode import BarcodeRejected, check_barcode, luhn_valid
from .batch import BatchEntry, BatchFileError, parse_batch, read_batch
from .job import Confirmation, EncodingResult, Job, Mode, Phase, Signal
from .lookup import ItemDetails, ItemLookup
from .plan import WritePlan, build_plan
from .profile import TagProfile
from .runner import StationRunner
from .settings import BarcodeFormat, EncodingSection, encoding_settings, valid_operator
from .station import EncodingStation
from .stats import SessionStats, StatsSnapshot, export_daily_csv
from .writer import EncodingFailed, WriteReport, execute

__all__ = [
    "Assessment", "BarcodeFormat", "BarcodeRejected", "BatchEntry", "BatchFileError", "Confirmation",
    "EncodingFailed", "EncodingResult", "EncodingSection", "EncodingStation", "ItemDetails", "ItemLookup",
    "Job",
    "Mode", "Phase", "SessionStats", "Signal", "StationRunner", "StatsSnapshot", "TagProfile", "Target",
    "Verdict", "WritePlan", "WriteReport", "assess", "build_plan", "check_barcode", "encoding_settings",
    "execute", "export_daily_csv", "luhn_valid", "parse_batch", "read_batch", "valid_operator",
]
