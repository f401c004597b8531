"""CR-LSO: convexity-regularised latent-space optimisation for neural-architecture search."""

__version__ = "0.1.0"
