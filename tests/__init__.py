"""The test suite: one folder per concern, shared helpers in :mod:`tests._support`.

A package so that helpers are imported by their full name (``from tests._support.x import ...``)
from any folder, with ``python -m pytest``, ``coverage run -m pytest`` or plain ``pytest``, without
a ``pythonpath`` setting.
"""
