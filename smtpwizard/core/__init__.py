"""The Qt-free core: settings, the live check, diagnosis, discovery, credentials, profiles, exports.

Nothing below this package may import PySide6 (tests/test_core_has_no_qt.py proves it).
"""
