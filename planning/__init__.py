"""The renovation domain: standards, eligibility, zoning, siting, coverage, phasing, export."""
