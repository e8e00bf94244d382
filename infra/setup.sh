#!/usr/bin/env bash
# Machine set-up for the local infrastructure, run by `make setup`. Idempotent: a second run
# installs and downloads nothing.
#
# 1. System packages: PostgreSQL's server programs, a Java 17+ JDK, Maven, kcat. Installed with
#    apt-get when we are root (`apt-get update` once, only if something is missing); otherwise the
#    exact command is printed and the script fails.
#    Also Debian's Chromium: the browser tests drive it through Playwright (`executable_path`), so
#    Playwright never downloads a browser of its own.
#    And kcat (Debian's, with the distribution's librdkafka): tests/integration/test_connecting.py
#    proves that a state with only that tool reads its notices over mutual TLS.
# 2. Apache Kafka's jars, fetched by Maven from infra/kafka/pom.xml into $MSIX_CACHE/kafka-libs
#    (default ~/.cache/msix/kafka-libs), again only when the pom changed since the last copy.
#    No jar ever goes into the repository.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/kafka/pom.xml"
cache="${MSIX_CACHE:-$HOME/.cache/msix}"
libs="$cache/kafka-libs"
stamp="$libs/.pom.sha256"

say() { printf 'setup: %s\n' "$*" >&2; }

have_postgres() {
    local bindir=""
    if command -v pg_config >/dev/null 2>&1; then bindir="$(pg_config --bindir 2>/dev/null || true)"; fi
    [[ -n "$bindir" && -x "$bindir/initdb" && -x "$bindir/postgres" ]] && return 0
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

java_major() {
    # `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15  (or "1.8.0_392" for 8)
    local version
    version="$(java -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)"
    version="${version#1.}"
    echo "${version%%[.+-]*}"
}

# A JDK, not only a runtime: the tests run a state's Java client in source-launch mode
# (`java StateClient.java`), which needs the compiler module.
have_java() {
    command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 && [[ "$(java_major)" -ge 17 ]] 2>/dev/null
}

# The newest headless JDK package the configured apt sources offer (Debian 13 has no 17).
java_package() {
    local candidate
    for candidate in openjdk-21-jdk-headless openjdk-17-jdk-headless; do
        if apt-cache policy "$candidate" 2>/dev/null | grep -q '^ *Candidate: [0-9]'; then
            echo "$candidate"
            return
        fi
    done
    echo openjdk-17-jdk-headless
}

missing=()
have_postgres || missing+=(postgresql)
have_java || missing+=(JAVA)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)

if ((${#missing[@]})); then
    if [[ "$(id -u)" -eq 0 ]]; then
        say "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        packages=("${missing[@]/JAVA/$(java_package)}")
        apt-get install -y -qq --no-install-recommends "${packages[@]}"
    else
        packages=("${missing[@]/JAVA/$(java_package)}")
        say "missing system packages; run as root:"
        say "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages[*]}"
        exit 1
    fi
fi

want="$(sha256sum "$pom" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$libs/kafka_2.13-*.jar" >/dev/null; then
    exit 0
fi
say "fetching Apache Kafka's jars into $libs"
mkdir -p "$cache"
fresh="$(mktemp -d "$cache/kafka-libs.XXXXXX")"
trap 'rm -rf "$fresh"' EXIT
# Maven's output is shown only when it fails (on success -q still prints colour resets).
if ! log="$(mvn -B -q -f "$pom" dependency:copy-dependencies -DoutputDirectory="$fresh" 2>&1)"; then
    printf '%s\n' "$log" >&2
    say "Maven could not fetch Kafka's jars (see above)"
    exit 1
fi
echo "$want" >"$fresh/.pom.sha256"
# Swap the whole folder, so an interrupted fetch never leaves a half-filled kafka-libs behind.
rm -rf "$libs"
mv "$fresh" "$libs"
chmod 755 "$libs"
say "Kafka's jars are ready ($(find "$libs" -name '*.jar' | wc -l) jars)"
