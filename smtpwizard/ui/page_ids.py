"""Page ids, in the order a person meets them."""

from enum import IntEnum


class PageId(IntEnum):
    EMAIL = 0
    FINDING = 1
    SERVER = 2
    SIGN_IN = 3
    TEST = 4
    DONE = 5
