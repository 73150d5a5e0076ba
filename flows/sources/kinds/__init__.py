"""The registered source kinds, one module each: importing a module registers its kind."""
