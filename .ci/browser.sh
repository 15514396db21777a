#!/usr/bin/env bash
# The browser tests' one dependency: the distribution's Chromium (Playwright never downloads
# a browser here). Source this from .ci/run before the test step:
#
#     step "browser"
#     source .ci/browser.sh
#
# It installs chromium with apt when /usr/bin/chromium is missing and exports
# TANDEM_TEST_BROWSER, so under TANDEM_TEST_REQUIRE_ALL=1 the browser tests run (or fail),
# never skip. Run directly, it only installs and prints the version.
set -euo pipefail

TANDEM_CHROMIUM=${TANDEM_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$TANDEM_CHROMIUM" ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
"$TANDEM_CHROMIUM" --version
export TANDEM_TEST_BROWSER="$TANDEM_CHROMIUM"
