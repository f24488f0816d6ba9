"""Prompt templates (YAML): shipped in the wheel as the package `hotseat.bundled.prompts`."""
