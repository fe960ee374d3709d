"""The model and the knowledge: sources, curated readings, the ontology and the build."""
