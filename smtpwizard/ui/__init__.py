"""The Qt wizard: the only package that imports PySide6."""
