"""The generators behind ``scripts/generate_models.py``, one job per module.

* ``_spec``: the spec as both generators read it (loading, walking, kinds, shared names);
* ``_source``: pieces of generated Python both generators write (header, docstrings, unions);
* ``_beyond_spec``: models the official SDK reads and the published spec lacks, as spec fragments;
* ``_models``: the attrs models of ``conversations_sdk/models/``;
* ``_params``: the request TypedDicts of ``conversations_sdk/types/``.

The two generators share only ``_spec`` and ``_source``, so either can change without the other.
Nothing here writes a file: ``scripts/generate_models.py`` does.
"""
