"""The runtime graph: the built RDF, its networkx view, and the questions people ask."""
