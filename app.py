"""Hotseat's Streamlit entry point: it only sets up the page and dispatches to pages."""

import streamlit as st

from hotseat.errors import HotseatError, StorageError
from hotseat.ui.context import page_context
from hotseat.ui.navigation import pages
from hotseat.ui.state import show_unavailable, write_session_cookie

st.set_page_config(page_title="Hotseat", page_icon="🔥", layout="wide")
try:
    page = page_context()
    navigation = st.navigation(pages(page))
    write_session_cookie(page.state)  # a sign-in or sign-out reruns: this run sets or clears the cookie
    navigation.run()
except StorageError as exc:  # the database is down, read-only or full: one message, the draft kept
    show_unavailable(exc)
except HotseatError as exc:  # e.g. a broken prompt file found at start: say what and where, no traceback
    st.error(exc.user_message())
