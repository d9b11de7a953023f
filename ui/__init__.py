"""Shared Streamlit helpers for the pages: cached engine and content, styling, card widgets."""
