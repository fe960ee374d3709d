"""dutygraph: a knowledge graph of roles, duties and responsibilities in policy documents."""

__version__ = "0.1.0"
