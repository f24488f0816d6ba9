"""Hotseat's Streamlit entry point: it only sets up the page and dispatches to pages."""

import streamlit as st

from hotseat.ui.navigation import pages

st.set_page_config(page_title="Hotseat", page_icon="🔥", layout="wide")
st.navigation(list(pages().values())).run()
