"""lorabench's library: models, backends, decoding, runs (cache, generation, judging) and reports.

The pytest plugin is thin wiring over it; `chat/`, `training/` and the command line
(`python -m lorabench`) use it directly.
"""
