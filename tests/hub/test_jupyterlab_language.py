"""JupyterLab opens in Vietnamese, and a learner can still switch it to English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from labs import hub as hub_client
from labs import hub_services
from tests.conftest import ROOT
from tests.factories import officer

PLUGIN = "@jupyterlab/translation-extension:plugin"
OVERRIDES = (
    ROOT
    / "jupyter_config"
    / "singleuser"
    / "labconfig"
    / "default_setting_overrides.json"
)


# --- The files (no hub needed) --------------------------------------------------------
def test_the_overrides_file_makes_vietnamese_the_default_jupyterlab_language():
    overrides = json.loads(OVERRIDES.read_text(encoding="utf-8"))

    assert overrides == {PLUGIN: {"locale": "vi_VN"}}


def test_the_overridden_setting_exists_and_its_language_pack_is_installed():
    from jupyterlab.commands import get_app_dir
    from jupyterlab_server.translation_utils import get_language_packs

    schema = Path(get_app_dir(), "schemas", *PLUGIN.split(":")[0].split("/"))
    properties = json.loads((schema / "plugin.json").read_text())["properties"]
    assert properties["locale"]["type"] == "string"
    packs, message = get_language_packs()
    assert "vi_VN" in packs, message


def test_kubernetes_ships_the_same_overrides_as_local_servers():
    values = yaml.safe_load((ROOT / "jupyter_config" / "values.yaml").read_text())
    files = values["singleuser"]["extraFiles"]
    shipped = {
        entry["mountPath"]: entry["data"]
        for entry in files.values()
        if "/labconfig/" in entry["mountPath"]
    }

    assert shipped["/etc/jupyter/labconfig/default_setting_overrides.json"] == (
        json.loads(OVERRIDES.read_text(encoding="utf-8"))
    )


# --- A learner's server started by the real hub ---------------------------------------
def _lab_api(hub, username: str, token: str, method: str, path: str, **kwargs):
    response = hub_client._session().request(
        method,
        f"{hub.url}/user/{username}/lab/api/{path}",
        headers={"Authorization": f"token {token}"},
        allow_redirects=False,
        timeout=30,
        **kwargs,
    )
    assert response.status_code in {200, 204}, response.text[:500]
    return response


def _effective_locale(settings: dict) -> str:
    """The locale JupyterLab's front end uses: the user's setting over the default
    (SettingRegistry composite)."""
    default = settings["schema"]["properties"]["locale"]["default"]
    return settings["settings"].get("locale", default)


@pytest.mark.hub
def test_a_learners_jupyterlab_is_in_vietnamese_until_they_pick_english(
    hub, transactional_db
):
    user = officer(roles=["Learner"], username="lan_hub")
    username = hub_services.server_ready_ensure(user=user)
    token = hub_client.user_token(username)
    settings_path = f"settings/{PLUGIN}"

    # By default: Vietnamese, as the setting's default (the schema the server sends
    # has the override merged in); the learner has saved nothing.
    settings = _lab_api(hub, username, token, "GET", settings_path).json()
    assert settings["schema"]["properties"]["locale"]["default"] == "vi_VN"
    assert "locale" not in settings["settings"]
    assert _effective_locale(settings) == "vi_VN"

    # The server has the Vietnamese pack: JupyterLab's "File" menu is "Tệp".
    packs = _lab_api(hub, username, token, "GET", "translations/").json()
    assert {"en", "vi_VN"} <= set(packs["data"])
    pack = _lab_api(hub, username, token, "GET", "translations/vi_VN").json()
    assert pack["message"] == ""
    strings = pack["data"]["jupyterlab"]
    assert strings[""]["language"] == "vi-VN"
    assert strings["menu\x04File"] == ["Tệp"]
    assert strings["menu\x04Settings"] == ["Cài đặt"]

    # Settings → Language → English saves a user setting, which wins over the default.
    _lab_api(
        hub, username, token, "PUT", settings_path, json={"raw": '{"locale": "en"}'}
    )
    try:
        settings = _lab_api(hub, username, token, "GET", settings_path).json()
        assert settings["settings"]["locale"] == "en"
        assert _effective_locale(settings) == "en"
    finally:
        _lab_api(hub, username, token, "PUT", settings_path, json={"raw": "{}"})
    settings = _lab_api(hub, username, token, "GET", settings_path).json()
    assert _effective_locale(settings) == "vi_VN"
