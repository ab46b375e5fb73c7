"""Placeholder until the page is wired."""

from ui.state import not_available

not_available("planning.scenario")
