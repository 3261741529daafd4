"""What progress adds to other apps' pages, registered when the app is ready."""

from tasks import extensions


def connect() -> None:
    from .views import reports_panel

    extensions.register_item_panel(
        extensions.ItemPanel(name="reports", template="progress/_item_reports.html", order=20, load=reports_panel)
    )
