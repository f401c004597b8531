"""The one place each name is chosen and spelled: the registry of spaces and their specs,
the settings dataclasses and presets, and the names, labels and colours of methods and sides."""
