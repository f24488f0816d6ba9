"""Persona files, one YAML per customer: shipped in the wheel as the package `hotseat.bundled.personas`."""
