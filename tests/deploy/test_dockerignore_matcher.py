"""The .dockerignore reader agrees with Docker's: cases from moby/patternmatcher's own test
suite (patternmatcher_test.go, ignorefile_test.go) and from Docker's documentation."""

import pytest

from tests.deploy.dockerignore import (
    BadPattern,
    PatternMatcher,
    context_files,
    go_clean,
    go_match,
    read_ignore_file,
)

# (pattern, path, ignored) — moby's TestMatches table, checked with MatchesOrParentMatches.
MOBY_MATCHES = [
    ("**", "file", True),
    ("**", "file/", True),
    ("**/", "file", True),
    ("**/", "file/", True),
    ("**", "/", True),
    ("**/", "/", True),
    ("**", "dir/file", True),
    ("**/", "dir/file", True),
    ("**", "dir/file/", True),
    ("**/", "dir/file/", True),
    ("**/**", "dir/file", True),
    ("**/**", "dir/file/", True),
    ("dir/**", "dir/file", True),
    ("dir/**", "dir/file/", True),
    ("dir/**", "dir/dir2/file", True),
    ("dir/**", "dir/dir2/file/", True),
    ("**/dir", "dir", True),
    ("**/dir", "dir/file", True),
    ("**/dir2/*", "dir/dir2/file", True),
    ("**/dir2/*", "dir/dir2/file/", True),
    ("**/dir2/**", "dir/dir2/dir3/file", True),
    ("**/dir2/**", "dir/dir2/dir3/file/", True),
    ("**file", "file", True),
    ("**file", "dir/file", True),
    ("**/file", "dir/file", True),
    ("**file", "dir/dir/file", True),
    ("**/file", "dir/dir/file", True),
    ("**/file*", "dir/dir/file", True),
    ("**/file*", "dir/dir/file.txt", True),
    ("**/file*txt", "dir/dir/file.txt", True),
    ("**/file*.txt", "dir/dir/file.txt", True),
    ("**/file*.txt*", "dir/dir/file.txt", True),
    ("**/**/*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("**/*.txt", "file.txt", True),
    ("**/**/*.txt", "file.txt", True),
    ("a**/*.txt", "a/file.txt", True),
    ("a**/*.txt", "a/dir/file.txt", True),
    ("a**/*.txt", "a/dir/dir/file.txt", True),
    ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True),
    ("a/*.txt**", "a/file.txt", True),
    ("a[b-d]e", "ae", False),
    ("a[b-d]e", "ace", True),
    ("a[b-d]e", "aae", False),
    ("a[^b-d]e", "aze", True),
    (".*", ".foo", True),
    (".*", "foo", False),
    ("abc.def", "abcdef", False),
    ("abc.def", "abc.def", True),
    ("abc.def", "abcZdef", False),
    ("abc?def", "abcZdef", True),
    ("abc?def", "abcdef", False),
    ("a\\\\", "a\\", True),
    ("**/foo/bar", "foo/bar", True),
    ("**/foo/bar", "dir/foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True),
    ("abc/**", "abc", False),
    ("abc/**", "abc/def", True),
    ("abc/**", "abc/def/ghi", True),
    ("**/.foo", ".foo", True),
    ("**/.foo", "bar.foo", False),
    ("a(b)c/def", "a(b)c/def", True),
    ("a(b)c/def", "a(b)c/xyz", False),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    (
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        True,
    ),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("a\\*b", "a*b", True),
]

MOBY_MULTI = [
    (["**", "!util/docker/web"], "util/docker/web/foo", False),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
    (
        ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        False,
    ),
    (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
    (["!fileutils.go", "*.go"], "fileutils.go", True),
    (["*.go", "!fileutils.go"], "fileutils.go", False),
    (["docs", "!docs/README.md"], "docs/README.md", False),
    (["docs/", "!docs/README.md"], "docs/README.md", False),
    (["docs/*", "!docs/README.md"], "docs/README.md", False),
    (["*"], "fileutils.go", True),
    (["*.go"], "fileutils.go", True),
    (["*.go"], ".", False),  # the context itself is never ignored
]

# (pattern, name, matches) — moby's TestMatch table (single patterns, no parent folders).
MOBY_MATCH = [
    ("abc", "abc", True),
    ("*", "abc", True),
    ("*c", "abc", True),
    ("a*", "a", True),
    ("a*", "abc", True),
    ("a*", "ab/c", True),  # a parent folder ("ab") matches
    ("a*/b", "abc/b", True),
    ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("ab[c]", "abc", True),
    ("ab[b-d]", "abc", True),
    ("ab[e-g]", "abc", False),
    ("ab[^c]", "abc", False),
    ("ab[^b-d]", "abc", False),
    ("ab[^e-g]", "abc", True),
    ("a\\*b", "a*b", True),
    ("a\\*b", "ab", False),
    ("a?b", "a☺b", True),
    ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False),
    ("a[^a][^a][^a]b", "a☺b", False),
    ("[a-ζ]*", "α", True),
    ("*[a-ζ]", "A", False),
    ("a?b", "a/b", False),
    ("a*b", "a/b", False),
    ("[\\]a]", "]", True),
    ("[\\-]", "-", True),
    ("[x\\-]", "x", True),
    ("[x\\-]", "-", True),
    ("[x\\-]", "z", False),
    ("[\\-x]", "x", True),
    ("[\\-x]", "-", True),
    ("[\\-x]", "a", False),
    ("*x", "xxx", True),
]

MOBY_BAD = ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "!"]


@pytest.mark.parametrize(("pattern", "path", "ignored"), MOBY_MATCHES)
def test_moby_single_patterns(pattern, path, ignored):
    assert PatternMatcher([pattern]).matches(path) is ignored


@pytest.mark.parametrize(("patterns", "path", "ignored"), MOBY_MULTI)
def test_moby_pattern_lists_last_match_wins(patterns, path, ignored):
    assert PatternMatcher(patterns).matches(path) is ignored


@pytest.mark.parametrize(("pattern", "path", "ignored"), MOBY_MATCH)
def test_moby_match_table(pattern, path, ignored):
    assert PatternMatcher([pattern]).matches(path) is ignored


@pytest.mark.parametrize("pattern", MOBY_BAD)
def test_malformed_patterns_are_refused_as_docker_refuses_them(pattern):
    with pytest.raises(BadPattern):
        PatternMatcher([pattern])


def test_go_filepath_match_basics():
    assert go_match("*.py", "a.py") and not go_match("*.py", "a/b.py")
    assert go_match("a/[bc]/d", "a/c/d") and not go_match("a/?", "a/")
    with pytest.raises(BadPattern):
        go_match("[", ".")


def test_go_clean():
    assert [go_clean(p) for p in ["", ".", "a/", "./a", "a//b", "a/./b", "a/../b", "/../a"]] == [
        ".",
        ".",
        "a",
        "a",
        "a/b",
        "a/b",
        "b",
        "/a",
    ]
    assert go_clean("../a") == "../a" and go_clean("//a") == "/a"


def test_reading_the_file_like_ignorefile_readall():
    text = "\ufeff# comment\n  \n/abs/path\n  spaced  \n! ./not/this/ \n docs/ \n #not a comment\n"
    assert read_ignore_file(text) == ["abs/path", "spaced", "!not/this", "docs", "#not a comment"]


def test_docker_documentation_examples():
    # https://docs.docker.com/build/concepts/context/#dockerignore-files
    matcher = PatternMatcher(read_ignore_file("*/temp*\n*/*/temp*\ntemp?\n"))
    assert matcher.matches("somedir/temporary.txt")
    assert matcher.matches("somedir/temp")
    assert matcher.matches("somedir/subdir/temporary.txt")
    assert matcher.matches("temp1") and not matcher.matches("temp10")
    assert not matcher.matches("a/b/c/temp")
    # *.md excluded, README-secret.md kept only if listed after the exception
    matcher = PatternMatcher(["*.md", "!README*.md", "README-secret.md"])
    assert matcher.matches("CHANGELOG.md") and not matcher.matches("README.md")
    assert matcher.matches("README-secret.md")
    matcher = PatternMatcher(["*.md", "README-secret.md", "!README*.md"])
    assert not matcher.matches("README-secret.md")


def test_a_top_level_pattern_does_not_reach_into_folders():
    """What went wrong before: `*.pyc` and `*.mo` only match files at the top of the context."""
    top_only = PatternMatcher(["*.pyc", "*.mo"])
    assert top_only.matches("x.pyc")
    assert not top_only.matches("cesiq_site/__pycache__/settings.cpython-311.pyc")
    assert not top_only.matches("cesiq_site/locale/en/LC_MESSAGES/django.mo")
    any_depth = PatternMatcher(["**/*.pyc", "**/*.mo"])
    assert any_depth.matches("x.pyc")
    assert any_depth.matches("cesiq_site/__pycache__/settings.cpython-311.pyc")
    assert any_depth.matches("cesiq_site/locale/en/LC_MESSAGES/django.mo")


def test_walking_a_context(tmp_path):
    for name in ["app/a.py", "app/.env", "app/sub/b.py", ".env", "keep/.env.example", "x.pyc"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / ".dockerignore").write_text("**/.env\n**/.env.*\n*.pyc\napp/sub\n")
    assert context_files(tmp_path) == [".dockerignore", "app/a.py"]
    (tmp_path / ".dockerignore").write_text("app/sub\n!app/sub/b.py\n")
    assert "app/sub/b.py" in context_files(tmp_path)
