# GuotuKit — two commands do all set-up on a fresh Debian 12 machine:
#   make demo   run the plugin's algorithms on the sample county through qgis_process -> ./out/
#   make test   the whole test suite
# Both install what is missing (Debian packages, then a venv with pinned dev requirements)
# and are idempotent. Run as root or as a user with sudo.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
SYS_PY    := /usr/bin/python3
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# PostGIS for the distribution's default PostgreSQL (15 on bookworm, 17 on trixie, …)
PG_POSTGIS := $(shell apt-cache depends postgresql 2>/dev/null | awk '/Depends: postgresql-[0-9]+$$/{print $$2 "-postgis-3"; exit}')
APT_PKGS  := qgis python3-qgis qgis-providers python3-pandas python3-openpyxl python3-scipy python3-venv python3-pip xvfb git zip \
             libreoffice-calc-nogui poppler-utils fonts-wqy-zenhei postgresql $(or $(PG_POSTGIS),postgresql-15-postgis-3) \
             qttools5-dev-tools qttranslations5-l10n
STAMP     := $(VENV)/.guotukit-deps
PLUGINS   := $(CURDIR)/.build/plugins
PKG_DIR   := dist

# Headless Qt; the venv's site-packages first so QGIS's embedded Python (qgis_process) finds shapely>=2.
export QT_QPA_PLATFORM ?= offscreen
export XDG_RUNTIME_DIR ?= /tmp/runtime-$(shell id -u)
VENV_SITE  = $(shell [ -x $(PY) ] && $(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

.PHONY: help sysdeps venv deps plugin-link demo test test-unit test-qgis test-matrix lint bench deploy package clean sample translations test-next

# Qt Linguist: the .ts is the translation source, the .qm what QGIS loads (built, not committed)
TS_FILE   := resources/i18n/guotukit_zh_CN.ts
QM_FILE   := resources/i18n/guotukit_zh_CN.qm
LRELEASE   = $(shell command -v lrelease-qt5 || command -v lrelease || ls /usr/lib/qt5/bin/lrelease 2>/dev/null)

translations: $(QM_FILE)
$(QM_FILE): $(TS_FILE)
	@[ -n "$(LRELEASE)" ] || $(MAKE) --no-print-directory sysdeps
	@$(or $(LRELEASE),/usr/lib/qt5/bin/lrelease) -silent $(TS_FILE) -qm $(QM_FILE) && echo "compiled $(QM_FILE)"

help:
	@echo "make demo     run GuotuKit on the sample county via qgis_process, outputs in ./out/"
	@echo "make test     run the whole test suite (installs what it needs)"
	@echo "make bench    benchmarks against the reference tools"
	@echo "make test-matrix  the suite on QGIS 3.40 (trixie) and 3.44 (sid) in debootstrap chroots (MATRIX=\"trixie sid\")"
	@echo "make lint     ruff"
	@echo "make deploy   link the plugin into your QGIS profile"
	@echo "make package  build dist/guotukit-<version>.zip"

sysdeps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo ">> installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

$(STAMP): requirements-dev.txt Makefile
	@$(MAKE) --no-print-directory sysdeps
	@[ -x $(PY) ] || { echo ">> creating $(VENV) from $(SYS_PY) --system-site-packages"; $(SYS_PY) -m venv --system-site-packages $(VENV); }
	@echo ">> installing pinned dev requirements into $(VENV)"
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@$(PY) -c "import qgis.core, shapely, pandas, openpyxl; assert hasattr(shapely, 'STRtree') and hasattr(shapely, 'from_wkb')" \
	  || { echo "venv check failed: qgis/shapely 2/pandas/openpyxl not importable"; exit 1; }
	@touch $@

deps: $(STAMP)
venv: deps

plugin-link:
	@mkdir -p $(PLUGINS) && ln -sfn $(CURDIR) $(PLUGINS)/guotukit

demo: deps plugin-link
	@mkdir -p $(XDG_RUNTIME_DIR) && chmod 700 $(XDG_RUNTIME_DIR)
	@PYTHONPATH=$(VENV_SITE) QGIS_PLUGINPATH=$(PLUGINS) $(PY) -m tools.demo --out out

# core tests run without QGIS (pytest-qgis disabled); then the QGIS tests.
test: deps plugin-link translations
	@mkdir -p $(XDG_RUNTIME_DIR) && chmod 700 $(XDG_RUNTIME_DIR)
	@$(PY) -m pytest tests/unit -p no:pytest_qgis $(PYTEST_ARGS)
	@PYTHONPATH=$(VENV_SITE) QGIS_PLUGINPATH=$(PLUGINS) $(PY) -m pytest tests/qgis $(PYTEST_ARGS)

# The core suite with what QGIS's Windows installers ship since 2026-02 (pandas 3, numpy 2.4, shapely 2.1), in a
# venv of its own (no QGIS, no GDAL: the tests that read the sample GeoPackage with GDAL are skipped there)
NEXT_VENV := .venv-next
test-next:
	@[ -x $(NEXT_VENV)/bin/python ] || $(SYS_PY) -m venv $(NEXT_VENV)
	@$(NEXT_VENV)/bin/python -m pip install -q --disable-pip-version-check "pandas>=3,<4" "numpy>=2.4,<3" \
	  "shapely>=2.1,<2.2" "openpyxl==3.1.5" "pyproj>=3.7,<4" pytest hypothesis
	@$(NEXT_VENV)/bin/python -m pytest tests/unit --ignore=tests/unit/test_sample_county.py --ignore=tests/unit/test_county_variants.py $(PYTEST_ARGS)

MATRIX ?= trixie sid
test-matrix:
	@tools/test_matrix.sh $(MATRIX)

test-unit: deps
	@$(PY) -m pytest tests/unit -p no:pytest_qgis $(PYTEST_ARGS)

test-qgis: deps plugin-link
	@mkdir -p $(XDG_RUNTIME_DIR) && chmod 700 $(XDG_RUNTIME_DIR)
	@PYTHONPATH=$(VENV_SITE) QGIS_PLUGINPATH=$(PLUGINS) $(PY) -m pytest tests/qgis $(PYTEST_ARGS)

lint: deps
	@$(PY) -m ruff check .

bench: deps plugin-link
	@mkdir -p $(XDG_RUNTIME_DIR) && chmod 700 $(XDG_RUNTIME_DIR)
	@PYTHONPATH=$(VENV_SITE) QGIS_PLUGINPATH=$(PLUGINS) $(PY) -m tools.bench $(BENCH_ARGS)

sample: deps
	@$(PY) -m tools.sample_county data/sample/county.gpkg --parcels 3000

# Link this checkout into the default QGIS 3 profile (Linux). Restart QGIS and enable GuotuKit.
deploy: translations
	@dest="$${QGIS_PROFILE_DIR:-$$HOME/.local/share/QGIS/QGIS3/profiles/default}/python/plugins"; \
	mkdir -p "$$dest" && ln -sfn $(CURDIR) "$$dest/guotukit" && echo "linked $(CURDIR) -> $$dest/guotukit"

# Installable zip from the committed tree (git archive), without tests and tooling.
package: translations
	@command -v git >/dev/null && command -v zip >/dev/null || $(MAKE) --no-print-directory sysdeps
	@version=$$(sed -n 's/^version=//p' metadata.txt); mkdir -p $(PKG_DIR); rm -rf $(PKG_DIR)/tmp; \
	git archive --format=tar --prefix=guotukit/ HEAD | (mkdir -p $(PKG_DIR)/tmp && tar -x -C $(PKG_DIR)/tmp) && \
	cp $(QM_FILE) $(PKG_DIR)/tmp/guotukit/$(QM_FILE) && \
	(cd $(PKG_DIR)/tmp/guotukit && rm -rf tests tools .ci Makefile requirements-dev.txt pyproject.toml .gitignore) && \
	(cd $(PKG_DIR)/tmp && rm -f ../guotukit-$$version.zip && zip -qr ../guotukit-$$version.zip guotukit) && \
	rm -rf $(PKG_DIR)/tmp && echo "wrote $(PKG_DIR)/guotukit-$$version.zip"

clean:
	rm -rf out .build $(PKG_DIR) .pytest_cache
