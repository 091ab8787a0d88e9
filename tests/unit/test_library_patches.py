"""The version guard of the patches on pinned libraries' internals: a patch is used with the
versions it was written for, and otherwise the library's own behaviour with one warning."""

import warnings

import pytest

from orchestration.lib.library_patches import Patch, PatchSkippedWarning

pytestmark = pytest.mark.unit

# packaging is pinned too (requirements.lock); any installed version would do.
PACKAGING = Patch(
    "packaging for a test",
    written_for=("packaging>=20",),
    needs=("packaging.version:Version.major",),
)


def test_a_patch_applies_to_the_versions_it_was_written_for():
    assert PACKAGING.applies()
    assert PACKAGING.applies({"packaging": "20.0"})


@pytest.mark.parametrize("version", ["19.2", "20.0rc1"])
def test_another_version_falls_back_with_a_warning_that_says_why(version):
    with pytest.warns(PatchSkippedWarning, match=f"packaging {version} is installed"):
        assert not PACKAGING.applies({"packaging": version})


def test_the_warning_is_given_once():
    with pytest.warns(PatchSkippedWarning):
        assert not PACKAGING.applies({"packaging": "19.1"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not PACKAGING.applies({"packaging": "19.1"})


def test_a_missing_private_name_or_package_falls_back():
    renamed = Patch(
        "a renamed name", ("packaging>=20",), needs=("packaging.version:Version._gone",)
    )
    with pytest.warns(PatchSkippedWarning, match="packaging.version:Version._gone is missing"):
        assert not renamed.applies()
    moved = Patch("a moved module", ("packaging>=20",), needs=("packaging.gone:Version",))
    with pytest.warns(PatchSkippedWarning, match="packaging.gone:Version is missing"):
        assert not moved.applies()
    absent = Patch("an absent package", ("no-such-package-bdc==1.0",))
    with pytest.warns(PatchSkippedWarning, match="no-such-package-bdc is not installed"):
        assert not absent.applies()


def test_package_names_are_compared_as_pip_compares_them():
    spelled = Patch("a spelling", ("Great_Expectations==1.0",))
    assert spelled.applies({"great-expectations": "1.0"})
