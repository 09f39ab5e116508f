"""The Done page's question "Where will you use these settings?": three kinds of place, a search
box, and a list of the formats for that place, each with one line naming the program version."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ...core.exporters.base import ExportFormat, Place
from ...core.exporters.registry import FORMATS
from ..theme import colours, hint_label

__all__ = ["DOMAIN_WIDE", "ExportChooser", "entry_detail", "entry_label"]

# Published by whoever runs the domain, not used by one person: listed last, and said so.
DOMAIN_WIDE = frozenset({"thunderbird-autoconfig", "outlook-autodiscover"})
_PLACE_BUTTONS = (
    (Place.MAIL_PROGRAM, "A mail pro&gram"),
    (Place.WEBSITE, "A &website or web app"),
    (Place.CODE, "Code or a se&rver"),
)
_VERSION_ROLE = Qt.ItemDataRole.UserRole + 1
_ID_ROLE = Qt.ItemDataRole.UserRole


def _short(fmt: ExportFormat) -> str:
    return fmt.title.split(" (", 1)[0]


_SHORT_COUNTS: dict[str, int] = {}
for _fmt in FORMATS:
    _SHORT_COUNTS[_short(_fmt)] = _SHORT_COUNTS.get(_short(_fmt), 0) + 1


def entry_label(fmt: ExportFormat) -> str:
    """Short in the list (the part before any parenthesis), unless another format shares it."""
    short = _short(fmt)
    return fmt.title if _SHORT_COUNTS[short] > 1 else short


def entry_detail(fmt: ExportFormat) -> str:
    if fmt.id in DOMAIN_WIDE:
        return f"For whoever runs the domain · {fmt.for_version}"
    return fmt.for_version


def _order(place: Place) -> list[ExportFormat]:
    formats = [fmt for fmt in FORMATS if fmt.where is place]
    # The settings card first (what most people need), domain-wide files last.
    return sorted(
        formats,
        key=lambda f: (f.id in DOMAIN_WIDE, not f.id.startswith("card-"), FORMATS.index(f)),
    )


class _TwoLineDelegate(QStyledItemDelegate):
    """The program's name, and under it, smaller and muted, the version it is for."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        name = QFontMetrics(option.font)
        small = QFontMetrics(self._small(option.font))
        width = max(
            name.horizontalAdvance(str(index.data())),
            small.horizontalAdvance(str(index.data(_VERSION_ROLE))),
        )
        return QSize(width + 16, name.height() + small.height() + 10)

    @staticmethod
    def _small(font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() * 0.88, 6.0))
        return small

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        self.initStyleOption(option, index)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        style = option.widget.style() if option.widget else None
        text = option.text
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        rect = option.rect.adjusted(8, 4, -8, -4)
        palette = option.palette
        painter.save()
        name_height = QFontMetrics(option.font).height()
        painter.setFont(option.font)
        painter.setPen(palette.highlightedText().color() if selected else palette.text().color())
        name = QFontMetrics(option.font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.adjusted(0, 0, 0, -rect.height() + name_height), 0, name)
        small = self._small(option.font)
        painter.setFont(small)
        muted = QColor(colours()["muted"])
        painter.setPen(palette.highlightedText().color() if selected else muted)
        detail = QFontMetrics(small).elidedText(
            str(index.data(_VERSION_ROLE)), Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawText(rect.adjusted(0, name_height, 0, 0), 0, detail)
        painter.restore()


class ExportChooser(QWidget):
    chosen = Signal(str)  # a format id, or "" when nothing is listed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        question = QLabel("Where will you use these settings?")
        font = question.font()
        font.setBold(True)
        question.setFont(font)
        self.places = QButtonGroup(self)
        places_row = QHBoxLayout()
        self._buttons: dict[Place, QRadioButton] = {}
        for place, text in _PLACE_BUTTONS:
            button = QRadioButton(text)
            self.places.addButton(button)
            self._buttons[place] = button
            places_row.addWidget(button)
            button.toggled.connect(self._place_toggled)
        places_row.addStretch(1)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search, e.g. WordPress, Thunderbird, Docker")
        self.search.setAccessibleName("Search the formats")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._refill)
        search_label = QLabel("Searc&h:")
        search_label.setBuddy(self.search)
        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        self.list = QListWidget()
        self.list.setAccessibleName("Formats")
        self.list.setItemDelegate(_TwoLineDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumWidth(220)
        self.list.currentItemChanged.connect(self._current_changed)
        self.empty = hint_label()
        self.empty.hide()
        # Two parts the panel places itself: the question and search across the whole width,
        # the list beside the preview.
        self.header = QWidget()
        header = QVBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(question)
        header.addLayout(places_row)
        header.addLayout(search_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        self._place = Place.MAIL_PROGRAM
        self._buttons[self._place].setChecked(True)

    @property
    def place(self) -> Place:
        return self._place

    def set_place(self, place: Place) -> None:
        self._buttons[place].setChecked(True)

    def listed(self) -> list[str]:
        return [str(self.list.item(i).data(_ID_ROLE)) for i in range(self.list.count())]

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(_ID_ROLE)) if item is not None else None

    def select(self, format_id: str) -> None:
        """Show and pick this format, switching to its place (and clearing the search)."""
        fmt = next(f for f in FORMATS if f.id == format_id)
        if self.search.text():
            self.search.clear()
        if fmt.where is not self._place:
            self.set_place(fmt.where)
        for i in range(self.list.count()):
            if self.list.item(i).data(_ID_ROLE) == format_id:
                self.list.setCurrentRow(i)

    def _place_toggled(self, on: bool) -> None:
        if not on:
            return
        self._place = next(p for p, b in self._buttons.items() if b.isChecked())
        self._refill()

    def _matches(self, words: list[str]) -> list[ExportFormat]:
        found = []
        for place, _ in _PLACE_BUTTONS:
            for fmt in _order(place):
                haystack = f"{fmt.title} {fmt.id} {fmt.for_version}".lower()
                if all(word in haystack for word in words):
                    found.append(fmt)
        return found

    def _refill(self) -> None:
        words = self.search.text().lower().split()
        # A search looks at every place: people may not know where a program belongs.
        formats = self._matches(words) if words else _order(self._place)
        keep = self.current_id()
        self.list.blockSignals(True)
        self.list.clear()
        for fmt in formats:
            item = QListWidgetItem(entry_label(fmt))
            item.setData(_ID_ROLE, fmt.id)
            item.setData(_VERSION_ROLE, entry_detail(fmt))
            item.setToolTip(f"{fmt.title}\n{entry_detail(fmt)}")
            self.list.addItem(item)
        ids = [fmt.id for fmt in formats]
        if formats:
            self.list.setCurrentRow(ids.index(keep) if keep in ids else 0)
        self.list.blockSignals(False)
        self.empty.setVisible(not formats)
        self.empty.setText(
            f"Nothing matches “{self.search.text().strip()}”. Try a program's name, such as "
            "Outlook, WordPress or Postfix."
            if not formats
            else ""
        )
        self._current_changed()

    def _current_changed(self, *_args: object) -> None:
        self.chosen.emit(self.current_id() or "")
