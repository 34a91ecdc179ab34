"""Security gate controller: detection modes, alarm outputs, alarm log, people counting, walk tests."""
