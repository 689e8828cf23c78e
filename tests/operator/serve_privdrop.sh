#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# daemon_privdrop.sh against build/tests/serve_dump, which follows the
# daemon's start-up order (listen, privdrop__apply, start the HTTP thread)
# without loading BPF: proves the order leaves no thread privileged on any
# host where the real daemon cannot load its programs.

BUILD=${BUILD:-build}
SPTE_TRACE=$BUILD/tests/serve_dump PRIVDROP_TEST_NAME=serve_privdrop \
	exec sh "$(dirname "$0")/daemon_privdrop.sh"
