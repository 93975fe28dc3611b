"""A request's pinned view of the Service serves one artifact for the whole request, for every read method,
including one added to Service after the view was written (it used to rebind a hand-kept list of names)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kg.config import Settings
from kg.service import Service
from kg.web import PinnedService


@dataclass
class Artifact:
    name: str


class ExtendedService(Service):
    """Service with a read method that no list anywhere names."""

    def artifact_name(self) -> str:
        return self.artifact.name


@pytest.fixture()
def swapped(tmp_path):
    """A service whose artifact was reloaded after a request pinned the old one."""
    svc = ExtendedService(Settings(data_dir=tmp_path))
    old, new = Artifact("old"), Artifact("new")
    svc._artifact = old
    pinned = PinnedService(svc, svc.artifact)
    svc._artifact = new  # what Service.load does when `current` moves
    return svc, pinned


def test_a_read_method_no_list_names_serves_the_pinned_artifact(swapped):
    svc, pinned = swapped
    assert svc.artifact_name() == "new"
    assert pinned.artifact_name() == "old"


def test_shared_state_is_the_services(swapped):
    svc, pinned = swapped
    assert pinned.settings is svc.settings and pinned.ready


def test_the_pinned_view_is_read_only(swapped):
    _, pinned = swapped
    with pytest.raises(AttributeError, match="read-only"):
        pinned._artifact = Artifact("other")


def test_methods_that_change_the_service_act_on_the_shared_one(swapped):
    svc, pinned = swapped
    assert pinned.reload_if_changed.__self__ is svc and pinned.close.__self__ is svc
