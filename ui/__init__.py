"""The planner's app: Streamlit pages and their helpers.

Only ``app.py`` and this package import Streamlit.
"""
