"""POST /rest/v1/documents: authentication, checks, background builds, atomic swap, rollback, the lock."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid

import pytest
from robust_support import NEW_GLOSSARY, NEW_TERMS, TOKEN, bad_inputs

from kg.build import current_artifact_path
from kg.documents import BuildBusy, add_documents, build_lock, check_document, load_job, save_job
from kg.errors import BuildError
from kg.service import Service
from kg.web import PinnedService, create_app

AUTH = {"Authorization": f"Bearer {TOKEN}"}
BAD = bad_inputs()


@pytest.fixture()
def api(live, embedder):
    svc = Service(live, embedder=embedder)
    svc.load()
    app = create_app(live, service=svc)
    yield app.test_client()
    svc.close()


def multipart(files: dict[str, bytes]) -> tuple[bytes, str]:
    """Encode the form ourselves: werkzeug's test client spools big forms to a temp file it never closes."""
    boundary = uuid.uuid4().hex
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                    f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
                    for name, data in files.items()) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post(client, files: dict[str, bytes], wait: float | str | None = 30, headers=AUTH):
    body, content_type = multipart(files)
    query = {"wait": wait} if wait is not None else {}
    return client.post("/rest/v1/documents", data=body, query_string=query, headers=headers,
                       content_type=content_type)


def found(client, term: str) -> bool:
    response = client.get("/rest/v1/lookup", query_string={"label": term})
    assert response.status_code in (200, 404), response.get_json()  # Skosmos: an unknown label is a 404
    return response.status_code == 200 and bool(response.get_json()["result"])


def is_problem(response, status: int) -> bool:
    body = response.get_json()
    return (response.status_code == status and response.mimetype == "application/problem+json"
            and body["status"] == status and body["detail"])


def test_without_a_configured_token_the_write_api_is_off(live, embedder):
    svc = Service(live.with_(write_token=None), embedder=embedder)
    client = create_app(svc.settings, service=svc).test_client()
    try:
        for response in (post(client, {"a.txt": NEW_GLOSSARY.encode()}), client.get("/rest/v1/documents", headers=AUTH),
                         client.get("/rest/v1/documents/jobs/0123456789abcdef", headers=AUTH)):
            assert is_problem(response, 403) and "KG_WRITE_TOKEN" in response.get_json()["detail"]
    finally:
        svc.close()
    assert not live.documents_dir.exists()


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401), ({"Authorization": "Basic " + TOKEN}, 401), ({"Authorization": "Bearer"}, 401),
    ({"Authorization": "Bearer wrong"}, 403), ({"Authorization": f"Bearer {TOKEN}x"}, 403),
])
def test_a_missing_or_wrong_token_is_refused(api, live, headers, status):
    response = post(api, {"a.txt": NEW_GLOSSARY.encode()}, headers=headers)
    assert is_problem(response, status)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not live.documents_dir.exists()


def test_an_added_document_is_served_after_an_atomic_swap_and_a_replacement_keeps_its_name(api, live):
    before = current_artifact_path(live)
    assert not any(found(api, t) for t in NEW_TERMS)
    response = post(api, {"新しい用語集.txt": NEW_GLOSSARY.encode()})
    assert response.status_code == 201, response.get_json()
    job = response.get_json()
    assert job["status"] == "done" and job["added"] == ["新しい用語集.txt"] and response.headers["Location"]
    assert current_artifact_path(live) != before and job["artifact"] == current_artifact_path(live).name
    assert all(found(api, t) for t in NEW_TERMS)
    assert api.get(job["status_url"], headers=AUTH).get_json()["status"] == "done"

    replaced = NEW_GLOSSARY.replace("ロバスト転送", "ロバスト保留")
    job = post(api, {"新しい用語集.txt": replaced.encode()}).get_json()
    assert job["status"] == "done" and job["replaced"] == ["新しい用語集.txt"]
    assert found(api, "ロバスト保留") and not found(api, "ロバスト転送")
    listing = api.get("/rest/v1/documents", headers=AUTH).get_json()
    assert [(d["name"], d["served"]) for d in listing["documents"]] == [("新しい用語集.txt", True)]


def test_a_raw_cp932_body_with_a_name_is_added(api):
    response = api.post("/rest/v1/documents?name=sjis.txt&wait=30", data=NEW_GLOSSARY.encode("cp932"),
                        headers={**AUTH, "Content-Type": "text/plain"})
    assert response.status_code == 201, response.get_json()
    assert all(found(api, t) for t in NEW_TERMS)


def test_without_wait_the_answer_is_202_and_the_status_url_reports_the_build(api):
    response = post(api, {"later.txt": NEW_GLOSSARY.encode()}, wait=None)
    assert response.status_code == 202 and response.get_json()["status"] in ("queued", "running")
    status = api.get(response.headers["Location"] + "?wait=30", headers=AUTH).get_json()
    assert status["status"] == "done", status
    assert all(found(api, t) for t in NEW_TERMS)


@pytest.mark.parametrize("name", [n for n, b in BAD.items() if not b.accepted])
def test_a_bad_file_is_422_and_nothing_changes(api, live, name):
    before = current_artifact_path(live)
    response = post(api, {"good.txt": NEW_GLOSSARY.encode(), name: BAD[name].data})
    assert is_problem(response, 422) and "nothing was changed" in response.get_json()["detail"]
    assert BAD[name].says in response.get_json()["detail"]
    assert current_artifact_path(live) == before and not live.documents_dir.exists()


def test_malformed_uploads_are_4xx_problems(api, live):
    big = b"a" * (live.max_document_bytes + 1)
    assert is_problem(post(api, {"big.txt": big}), 413)
    assert is_problem(api.post("/rest/v1/documents?name=big.txt", data=b"x" * (live.max_document_bytes + 70_000),
                               headers={**AUTH, "Content-Type": "text/plain"}), 413)
    assert is_problem(api.post("/rest/v1/documents", data={"text": "x"}, headers=AUTH), 415)
    assert is_problem(api.post("/rest/v1/documents", data=b"x", headers={**AUTH, "Content-Type": "text/plain"}), 400)
    assert is_problem(api.post("/rest/v1/documents", data={}, headers=AUTH, content_type="multipart/form-data"), 400)
    assert is_problem(post(api, {"a.txt": NEW_GLOSSARY.encode()}, wait="soon"), 400)
    assert is_problem(post(api, {"a.txt": NEW_GLOSSARY.encode()}, wait=3600), 400)
    assert is_problem(post(api, {"../x.exe": NEW_GLOSSARY.encode()}), 422)
    assert is_problem(api.get("/rest/v1/documents/jobs/nope", headers=AUTH), 404)
    assert is_problem(api.get("/rest/v1/documents/jobs/0123456789abcdef", headers=AUTH), 404)
    assert not live.documents_dir.exists()


def test_a_failed_build_keeps_the_previous_artifact_and_restores_the_documents(api, live, monkeypatch):
    assert post(api, {"kept.txt": NEW_GLOSSARY.encode()}).status_code == 201
    before = current_artifact_path(live)

    def broken(*_args, **_kwargs):
        raise BuildError("simulated: the disk is full")

    monkeypatch.setattr("kg.documents.build_artifact", broken)
    replaced = post(api, {"kept.txt": NEW_GLOSSARY.replace("ロバスト転送", "ロバスト保留").encode()})
    added = post(api, {"other.txt": NEW_GLOSSARY.encode()})
    for response in (replaced, added):
        assert is_problem(response, 422)
        detail = response.get_json()["detail"]
        assert "the disk is full" in detail and "previous artifact is still serving" in detail
    assert current_artifact_path(live) == before
    assert (live.documents_dir / "kept.txt").read_text(encoding="utf-8") == NEW_GLOSSARY  # rolled back
    assert not (live.documents_dir / "other.txt").exists()
    assert found(api, "ロバスト転送")


def test_one_build_at_a_time_a_second_fails_clearly_or_queues(api, live, embedder):
    doc = check_document(NEW_GLOSSARY.encode(), "queued.txt", live.max_document_bytes)
    with build_lock(live):
        with pytest.raises(BuildBusy, match=r"another build is running \(pid \d+ since .*\); nothing was changed"):
            add_documents(live, [doc], embedder=embedder, wait_s=0)
        response = post(api, {"queued.txt": NEW_GLOSSARY.encode()}, wait=1)
        assert response.status_code == 202 and response.get_json()["status"] in ("queued", "running")
        assert not found(api, NEW_TERMS[0])
    status = api.get(response.headers["Location"] + "?wait=30", headers=AUTH).get_json()
    assert status["status"] == "done", status
    assert found(api, NEW_TERMS[0])


def test_a_job_whose_process_died_is_reported_failed(live):
    dead = subprocess.Popen(["true"])
    dead.wait()
    from kg.documents import Job

    save_job(live, Job("00000000000000aa", "running", ["x.txt"], "2026-01-01T00:00:00+00:00", dead.pid))
    job = load_job(live, "00000000000000aa")
    assert job.status == "failed" and "stopped before it finished" in job.error


def test_a_request_keeps_the_artifact_it_started_with_across_a_reload(live, embedder):
    svc = Service(live, embedder=embedder)
    first = svc.load()
    pinned = PinnedService(svc, first)
    add_documents(live, [check_document(NEW_GLOSSARY.encode(), "pin.txt", live.max_document_bytes)], embedder=embedder)
    assert svc.reload_if_changed() and svc.artifact is not first
    try:
        assert pinned.artifact is first and pinned.lookup(NEW_TERMS[0]) == []  # the old artifact, consistently
        assert svc.lookup(NEW_TERMS[0]) and pinned.settings is svc.settings
    finally:
        svc.close()


def test_concurrent_uploads_from_many_threads_all_land(api, live):
    results: list[int] = []

    def upload(i: int) -> None:
        body = NEW_GLOSSARY.replace("ロバスト", f"並行{i}").encode()
        results.append(post(api, {f"thread-{i}.txt": body}, wait=60).status_code)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [201, 201, 201]
    time.sleep(1.1)  # the per-request reload check is throttled to once a second
    assert all(found(api, f"並行{i}受付") for i in range(3))
