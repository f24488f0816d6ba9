"""Data shipped inside the package: the checkout's top-level `personas/` and `prompts/` folders.

pyproject.toml maps them here (`hotseat.bundled.personas`, `hotseat.bundled.prompts`) with
`package-dir`; read them with `hotseat.datafiles.packaged_path`, never by a path beside the code.
"""
