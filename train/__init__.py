"""keel: harden open-weight LLMs against harmful fine-tuning and measure what removal costs."""

__version__ = "0.1.0"


class KeelError(Exception):
    """A user-facing error: its message is one line naming the file, field or option at fault."""


def _register_resolvers() -> None:
    from omegaconf import OmegaConf

    # ${mul:5e-5,${budget.lr_scale}}: one scale moves every attack's learning rate (tiny models need more).
    if not OmegaConf.has_resolver("mul"):
        OmegaConf.register_new_resolver("mul", lambda a, b: float(a) * float(b))


_register_resolvers()
