"""Streamlit pages and components. Each page renders and dispatches to the engine."""
