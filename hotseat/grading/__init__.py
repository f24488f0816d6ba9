"""Grading: transcripts graded in bulk (JSONL in, JSONL/CSV out), the Batch API and the background judge."""
