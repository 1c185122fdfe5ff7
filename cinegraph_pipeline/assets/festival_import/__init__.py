"""The per-edition assets of group `festival_import`, one per stage."""
