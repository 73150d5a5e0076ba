import pytest

from newslake.flows.settings import Settings, SourceSettings
from newslake.transforms.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "newslake.toml"
    path.write_text(text)
    return path


def test_defaults_need_no_file():
    settings = Settings.load(env={})
    assert settings.lake == "./lake"
    assert settings.sources == ()
    assert settings.workers >= 1


def test_file_then_env_then_overrides(tmp_path):
    path = write(
        tmp_path,
        'lake = "/data/lake"\n[extract]\nworkers = 3\nbatch_size = 50\n'
        '[[sources]]\npath = "a"\nname = "archive"\noutlet = "Gazette"\n',
    )
    settings = Settings.load(path, env={"NEWSLAKE__EXTRACT__WORKERS": "5"}, lake="/other")
    assert settings.lake == "/other"
    assert settings.extract.workers == 5
    assert settings.extract.batch_size == 50
    assert settings.sources == (SourceSettings("a", name="archive", outlet="Gazette"),)


def test_bare_strings_are_source_paths():
    settings = Settings.load(env={}, sources=["one", {"path": "two", "name": "t"}])
    assert settings.sources == (SourceSettings("one"), SourceSettings("two", name="t"))


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("lake = ", {}, "newslake.toml"),
        ("bogus = 1", {}, "unknown setting 'bogus'"),
        ("[extract]\nworkers = 'many'", {}, "extract.workers: expected a number"),
        ("", {"NEWSLAKE__EXTRACT__NOPE": "1"}, "unknown setting extract.'nope'"),
        ("[[sources]]\nname = 'x'", {}, "sources[0]"),
        ("extract = 3", {}, "extract: expected a table"),
    ],
)
def test_bad_settings_raise_config_error(tmp_path, text, env, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Settings.load(write(tmp_path, text), env=env)


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        Settings.load(tmp_path / "absent.toml", env={})


@pytest.mark.parametrize(
    ("source", "label"),
    [
        (SourceSettings("./articles"), "files:./articles"),
        (SourceSettings("https://n.example/feed.xml"), "web:https://n.example/feed.xml"),
        (SourceSettings("warc:/data/cc-news.warc.gz"), "warc:cc-news.warc.gz"),
        (SourceSettings("/data/x.warc", name="crawl"), "warc:crawl"),
        (SourceSettings("https://n.example/", kind="files"), "files:https://n.example/"),
    ],
)
def test_a_source_kind_comes_from_its_path_unless_configured(source, label):
    assert source.label == label


def test_an_unknown_source_kind_is_a_config_error():
    from newslake.flows.sources import check_sources

    with pytest.raises(ConfigError, match="kind must be one of"):
        check_sources([SourceSettings("x", kind="ftp")])
