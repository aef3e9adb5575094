"""The provenance-tagged catalog of published figures (``data/catalog/*.yaml``)."""

from planner.catalog.schema import Catalog, Quantity
from planner.catalog.load import load_catalog, catalog_rows, DEFAULT_CATALOG_DIR

__all__ = ["Catalog", "Quantity", "load_catalog", "catalog_rows", "DEFAULT_CATALOG_DIR"]
