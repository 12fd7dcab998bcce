"""The phrasing families, one module per group of statement kinds; `phrasing` joins them."""
