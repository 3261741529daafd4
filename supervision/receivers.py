"""What supervision adds to other apps' pages, registered when the app is ready."""

from tasks import extensions


def connect() -> None:
    from .views import instructions_panel

    extensions.register_item_panel(
        extensions.ItemPanel(
            name="instructions", template="supervision/_item_instructions.html", order=10, load=instructions_panel
        )
    )
