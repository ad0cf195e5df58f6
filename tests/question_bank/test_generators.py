"""The committed TIU sample bank is exactly what its generator produces."""
from __future__ import annotations

from question_bank.generators import tiu
from tests.conftest import SAMPLES


def test_tiu_generator_reproduces_the_committed_bank():
    items, images = tiu.build()
    assert tiu.render_yaml(items) == (SAMPLES / "tiu.yaml").read_text(encoding="utf-8")
    for name, svg in images.items():
        assert (SAMPLES / "images" / name).read_text(encoding="utf-8") == svg, name
    committed = {p.name for p in (SAMPLES / "images").glob("tiu-*.svg")}
    assert committed == set(images)
