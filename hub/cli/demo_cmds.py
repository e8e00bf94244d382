"""``msix demo``: placeholder until the synthetic generator lands."""


def demo() -> None:
    """Run the demo."""
