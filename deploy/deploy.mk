# SPDX-License-Identifier: GPL-2.0
#
# Installing spte-trace and packaging it for Debian.
#
#   make install     install the daemon, its man page and systemd unit
#   make uninstall   remove what make install installed
#   make deb         build the Debian package build/deb/spte-trace_*.deb
#
# PREFIX (default /usr/local) and DESTDIR work as usual; the unit file's
# ExecStart is rewritten to the installed path.

PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
UNITDIR     ?= $(PREFIX)/lib/systemd/system
DOCDIR      ?= $(PREFIX)/share/doc/spte-trace
INSTALL     ?= install

INSTALLED   := $(SBINDIR)/spte-trace $(MANDIR)/man8/spte-trace.8 \
	       $(UNITDIR)/spte-trace.service \
	       $(DOCDIR)/spte-trace-alerts.yml $(DOCDIR)/grafana-spte-trace.json

.PHONY: install uninstall deb
install: spte-trace
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 spte-trace $(DESTDIR)$(SBINDIR)/spte-trace
	$(INSTALL) -m 0644 docs/spte-trace.8 $(DESTDIR)$(MANDIR)/man8/spte-trace.8
	sed 's|/usr/local/sbin/spte-trace|$(SBINDIR)/spte-trace|' \
		deploy/spte-trace.service > $(DESTDIR)$(UNITDIR)/spte-trace.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/spte-trace.service
	$(INSTALL) -m 0644 deploy/prometheus/spte-trace-alerts.yml \
		$(DESTDIR)$(DOCDIR)/spte-trace-alerts.yml
	$(INSTALL) -m 0644 deploy/grafana/spte-trace.json \
		$(DESTDIR)$(DOCDIR)/grafana-spte-trace.json

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

deb:
	@deploy/debian/build-deb.sh $(BUILD)/deb
