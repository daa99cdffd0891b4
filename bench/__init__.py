"""Benchmarks of conversations-sdk against raw aiohttp and the official ``openai`` SDK.

Run ``python -m bench`` (or ``nox -s bench``); see ``bench/README.md``. Nothing here is part of
the installed package: the canned server, the per-process scenario runner and the driver only
live in the source tree.
"""
