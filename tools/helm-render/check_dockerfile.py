#!/usr/bin/python3
"""Checks that the Dockerfile builds the node the way the repository's scripts do.

* The builder stage installs exactly the build packages of scripts/install-deps.sh (its -dev packages
  and build tools; test-only packages such as redis-server, and the test-only -dev packages of
  TEST_ONLY_PACKAGES, are ignored). Without install-deps.sh the
  reference is BUILD_PACKAGES below (the list of README "Dependencies").
* The runtime stage installs the runtime libraries, runs as uid 1000, exposes 8080/9090, sets
  CHAT_WEB_ROOT and starts /opt/chatnode/bin/chatnode.
* The cmake configure/build/install use Release and the chatnode target; when scripts/run.sh exists,
  it builds Release and the chatnode target too.
Prints "N passed, M failed"; exit 1 on any failure.
"""
import os
import re
import sys

BUILD_PACKAGES = {"build-essential", "cmake", "pkg-config", "libcaf-dev", "libboost1.81-dev", "libhiredis-dev",
                  "rapidjson-dev", "prometheus-cpp-dev", "libssl-dev", "libcrypt-dev"}
BUILD_TOOLS = {"build-essential", "cmake", "pkg-config", "make", "g++", "gcc", "ninja-build"}
# -dev packages that install-deps.sh installs for the tests only: never needed to build the image.
#   libclang-rt-14-dev: libFuzzer and clang's sanitizer runtimes, for tests/fuzz (docs/fuzzing.md)
TEST_ONLY_PACKAGES = {"libclang-rt-14-dev"}
RUNTIME_PACKAGES = {"libcaf-core0.17", "libhiredis0.14", "libprometheus-cpp-core1.0", "libssl3", "libcrypt1", "libjemalloc2", "ca-certificates"}

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}")


def logical_lines(text):
    """Joins backslash continuations and drops comments."""
    out, cur = [], ""
    for line in text.split("\n"):
        s = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        if s.rstrip().endswith("\\"):
            cur += s.rstrip()[:-1] + " "
        else:
            out.append(cur + s)
            cur = ""
    if cur:
        out.append(cur)
    return out


def apt_packages(text):
    """Package names of every `apt-get install` / `apt install` in shell text."""
    pkgs = set()
    for line in logical_lines(text):
        for m in re.finditer(r"\bapt(?:-get)?\s+(?:-\S+\s+)*install\b(.*?)(?:&&|\|\||;|\)|$)", line):
            for tok in m.group(1).split():
                if tok.startswith("-") or "$" in tok or "=" in tok or tok in ("\\",):
                    continue
                if re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", tok):
                    pkgs.add(tok)
    return pkgs


def shell_array_packages(text):
    """Packages listed in shell arrays such as PKGS=(a b c) (install-deps.sh may keep its list there)."""
    pkgs = set()
    for m in re.finditer(r"^\s*[A-Za-z_]*(?:PKGS|PACKAGES|DEPS)[A-Za-z_]*=\(([^)]*)\)", text, re.M | re.S | re.I):
        for tok in m.group(1).split():
            tok = tok.strip("'\"")
            if re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", tok):
                pkgs.add(tok)
    return pkgs


def stages(text):
    """[(name, body)] of every FROM stage."""
    parts = re.split(r"^FROM\s+", text, flags=re.M)
    out = []
    for p in parts[1:]:
        first = p.split("\n", 1)[0]
        m = re.search(r"\bAS\s+(\S+)", first, re.I)
        out.append((m.group(1) if m else "", p))
    return out


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else "."
    df = open(os.path.join(repo, "Dockerfile")).read()
    st = stages(df)
    check(len(st) >= 2, "Dockerfile must be multi-stage (builder + runtime)")
    if len(st) < 2:
        print(f"check_dockerfile: {passed} passed, {failed} failed")
        sys.exit(1)
    builder, runtime = st[0][1], st[-1][1]
    base_lines = [l for l in df.split("\n") if l.startswith("FROM") or l.startswith("ARG DEBIAN_IMAGE")]
    check(any("debian:bookworm-slim" in l for l in base_lines), "base image is not debian:bookworm-slim")

    build_pkgs = apt_packages(builder)
    deps = os.path.join(repo, "scripts", "install-deps.sh")
    if os.path.exists(deps):
        text = open(deps).read()
        ref = apt_packages(text) | shell_array_packages(text)
        ref = {p for p in ref if (p.endswith("-dev") or p in BUILD_TOOLS) and p not in TEST_ONLY_PACKAGES}
        source = "scripts/install-deps.sh"
    else:
        ref = BUILD_PACKAGES
        source = "the README dependency list (scripts/install-deps.sh does not exist yet)"
    check(ref, f"no build packages found in {source}")
    check(build_pkgs == ref, f"builder packages differ from {source}: "
          f"missing {sorted(ref - build_pkgs)}, extra {sorted(build_pkgs - ref)}")

    run_pkgs = apt_packages(runtime)
    check(run_pkgs == RUNTIME_PACKAGES, f"runtime packages {sorted(run_pkgs)} != {sorted(RUNTIME_PACKAGES)}")
    check(not any(p.endswith("-dev") for p in run_pkgs), "runtime stage installs -dev packages")

    flat = " ".join(logical_lines(builder))
    check(re.search(r"cmake\s+-S\s+\.\s+-B\s+build/release\b[^&]*-DCMAKE_BUILD_TYPE=Release", flat),
          "builder does not configure build/release with -DCMAKE_BUILD_TYPE=Release")
    check(re.search(r"cmake\s+--build\s+build/release\b[^&]*--target\s+chatnode\b", flat), "builder does not build target chatnode")
    check(re.search(r"cmake\s+--install\s+build/release\b[^&]*--prefix\s+/opt/chatnode\b", flat),
          "builder does not install with --prefix /opt/chatnode")
    check("-DCHAT_BUILD_TESTS=OFF" in flat, "builder builds the tests")

    run_sh = os.path.join(repo, "scripts", "run.sh")
    if os.path.exists(run_sh):
        rs = " ".join(logical_lines(open(run_sh).read()))
        check("-DCMAKE_BUILD_TYPE=Release" in rs, "scripts/run.sh no longer configures -DCMAKE_BUILD_TYPE=Release: align the Dockerfile")
        check(re.search(r"--target\s+chatnode\b", rs), "scripts/run.sh no longer builds --target chatnode: align the Dockerfile")

    check(re.search(r"^USER\s+1000(:1000)?\s*$", runtime, re.M), "runtime stage does not run as USER 1000")
    check(re.search(r"useradd\b[^\n]*--uid\s+1000", " ".join(logical_lines(runtime))), "runtime stage does not create uid 1000")
    check(re.search(r"^EXPOSE\s+8080\s+9090\s*$", runtime, re.M), "EXPOSE 8080 9090 missing")
    check(re.search(r'^ENTRYPOINT\s+\["/opt/chatnode/bin/chatnode"\]\s*$', runtime, re.M), "ENTRYPOINT is not the exec form of /opt/chatnode/bin/chatnode")
    check(re.search(r"^ENV\s+CHAT_WEB_ROOT=/opt/chatnode/share/chatnode/web\b", runtime, re.M), "CHAT_WEB_ROOT not set to the installed web client")
    check(re.search(r"^COPY\s+--from=build\s+/opt/chatnode\s+/opt/chatnode\s*$", runtime, re.M), "runtime does not copy /opt/chatnode from the builder")
    check("VOLUME" not in runtime, "runtime declares a VOLUME (the node keeps no local state)")

    di = os.path.join(repo, ".dockerignore")
    ignored = set(open(di).read().split()) if os.path.exists(di) else set()
    for pat in ("build*", "data", "node_modules", ".git", "tests/**/node_modules"):
        check(pat in ignored, f".dockerignore lacks {pat}")

    print(f"check_dockerfile: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
