"""Settings: environment over config file over default; bad values stop start-up clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphanode.errors import ConfigError
from alphanode.settings import Settings
from tests.conftest import Cli


def test_read_order(tmp_path: Path) -> None:
    conf = tmp_path / "alphanode.toml"
    conf.write_text('import_batch_size = 50\ndatabase_url = "sqlite:///from-file.db"\n')
    s = Settings.load(env={"ALPHANODE_IMPORT_BATCH_SIZE": "7"}, config_file=conf)
    assert s.import_batch_size == 7
    assert s.database_url == "sqlite:///from-file.db"
    assert Settings.load(env={}).import_batch_size == 500


def test_wrong_type_names_setting_value_and_expectation() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.load(env={"ALPHANODE_AUTO_MIGRATE": "perhaps"})
    text = info.value.message()
    assert "auto_migrate" in text and "'perhaps'" in text and "true or false" in text
    assert info.value.exit_code == 2


def test_unknown_key_in_config_file(tmp_path: Path) -> None:
    conf = tmp_path / "alphanode.toml"
    conf.write_text("import_batch_sise = 50\n")
    with pytest.raises(ConfigError, match="import_batch_sise"):
        Settings.load(env={}, config_file=conf)


def test_negative_numbers_are_refused() -> None:
    with pytest.raises(ConfigError, match="import_workers"):
        Settings.load(env={"ALPHANODE_IMPORT_WORKERS": "-1"})


def test_origins_and_effective_values_hide_secrets(tmp_path: Path) -> None:
    conf = tmp_path / "alphanode.toml"
    conf.write_text('import_batch_size = 50\nmetrics_token = "do-not-print-me"\n')
    s = Settings.load(env={"ALPHANODE_LOG_FORMAT": "text"}, config_file=conf)
    s = s.replace(page_cache_entries=9)
    rows = {r["name"]: r for r in s.effective()}
    assert rows["import_batch_size"] == {
        "name": "import_batch_size",
        "value": 50,
        "origin": f"config file {conf}",
    }
    assert rows["log_format"]["origin"] == "environment ALPHANODE_LOG_FORMAT"
    assert rows["page_cache_entries"]["origin"] == "command line"
    assert rows["auto_migrate"] == {"name": "auto_migrate", "value": True, "origin": "default"}
    assert rows["metrics_token"]["value"] == "(set)"
    assert "do-not-print-me" not in repr(s.effective())
    fresh = {r["name"]: r for r in Settings.load(env={}).effective()}
    assert fresh["metrics_token"]["value"] == "(not set)"


def test_a_quoted_number_in_the_config_file_is_refused(tmp_path: Path) -> None:
    conf = tmp_path / "alphanode.toml"
    conf.write_text('import_batch_size = "50"\n')
    with pytest.raises(ConfigError) as info:
        Settings.load(env={}, config_file=conf)
    assert "import_batch_size" in info.value.message() and "'50'" in info.value.message()
    # From the environment every value is text, so "50" is fine there.
    assert Settings.load(env={"ALPHANODE_IMPORT_BATCH_SIZE": "50"}).import_batch_size == 50


def test_a_number_outside_its_range_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.load(env={"ALPHANODE_NEAR_DUPLICATE_THRESHOLD": "0.2"})
    assert "a number from 0.5 to 1.0" in info.value.message()
    assert Settings.load(env={"ALPHANODE_NEAR_DUPLICATE_THRESHOLD": "0.9"}).get(
        "near_duplicate_threshold"
    ) == pytest.approx(0.9)


def test_cli_prints_effective_values(tmp_path: Path) -> None:
    conf = tmp_path / "site.toml"
    conf.write_text('page_cache_entries = 12\nmetrics_token = "hidden-token"\n')
    cli = Cli(f"sqlite:///{tmp_path / 'x.db'}")
    result = cli("--config", str(conf), "defaults", "--effective", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["page_cache_entries"]["value"] == 12
    assert rows["database_url"]["origin"] == "command line"  # --db
    assert "hidden-token" not in result.stdout
    text = cli("defaults", "--effective")
    assert "auto_migrate = True  (default)" in text.stdout
