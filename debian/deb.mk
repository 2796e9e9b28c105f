# debian/deb.mk: the Debian package; the Makefile includes it.
#
#   make deb              $(BUILDDIR)/deb/ctr-launch_VERSION_ARCH.deb, built
#                         from a copy of the tree in $(BUILDDIR)/deb/src,
#                         as any user (Rules-Requires-Root: no)
#   make check-installed  the launch, policy, image and limits suites
#                         against the installed package (root; saves and
#                         restores the policy and the PAM service)
#
# The build dependencies (debhelper, dpkg-dev) are in DEB_PKGS.

DEBDIR		?= $(BUILDDIR)/deb
DEBBUILD_FLAGS	?= -us -uc -b -Jauto

.PHONY: deb check-installed

# The copy holds the files git knows (tracked and not ignored), or, outside
# a git checkout, the tree without $(BUILDDIR): never a build product.
# dpkg-buildpackage runs without this make's MAKEFLAGS: a variable given
# here (BUILDDIR=...) must not reach the package's own build.
deb:
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/src
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    git ls-files -z -c -o --exclude-standard | \
	        xargs -0 -r sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done; :' sh | \
	        tar --null -T - -cf - ; \
	else tar --exclude-vcs --exclude=./$(BUILDDIR) -cf - . ; fi | \
	    tar -C $(DEBDIR)/src -xf -
	cd $(DEBDIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    dpkg-buildpackage $(DEBBUILD_FLAGS)
	rm -rf $(DEBDIR)/src
	@ls $(DEBDIR)/*.deb

check-installed:
	@bash tests/deb/installed.sh
