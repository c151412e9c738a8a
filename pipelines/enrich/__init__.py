"""Enrichment stages: language, segmentation, contacts, indicators, risk."""
