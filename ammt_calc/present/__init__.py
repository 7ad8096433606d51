"""Presentation: documents (plain data from `ammt_calc.api`) turned into text and files.

Nothing here computes a requirement; nothing in the engine imports from here.
"""
