"""General GIS machinery for Pianqu: layers in and out, CRSs, networks, contiguity, maps.

``geo`` never imports ``planning``.
"""
