"""Settings: environment over config file over default; bad values stop start-up clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphanode.errors import ConfigError
from alphanode.settings import Settings


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
