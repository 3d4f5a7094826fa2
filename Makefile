# tinhoc: `make demo` serves the demo province, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app tinhoc
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: venv demo test serve translations messages bench clean

venv: $(VENV)/.installed

# Reinstalls only when pyproject.toml changed: a second `make venv` takes no time.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

translations: venv $(CATALOGUES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@ -l $*

# Re-extract the Vietnamese source strings and merge them into the English catalogue.
messages: venv
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

demo: translations
	$(FLASK) db upgrade
	$(FLASK) tinhoc seed-demo
	@echo ""
	@echo "  tinhoc demo: http://127.0.0.1:5000"
	@echo "  logins: admin, organiser, district, instructor, grader, learner, student, teacher, leader, juror, juror2   password: tinhoc-demo"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port 5000

serve: translations
	$(FLASK) db upgrade
	$(FLASK) run --host 127.0.0.1 --port 5000

# The whole suite on SQLite (TEST_WORKERS processes, then the judge's sandbox tests and the browser
# tests alone, since their time limits are measured); then, when TEST_DATABASE_URL names a PostgreSQL,
# the database tests again there (one database per worker: tests/conftest.py), all but the role x route
# table, whose rules do not depend on the database.
TEST_WORKERS ?= 2
test: translations
	env -u TEST_DATABASE_URL $(PY) -m pytest -p no:cacheprovider -n $(TEST_WORKERS) -m "not sandbox and not e2e" $(PYTEST_ARGS)
	env -u TEST_DATABASE_URL $(PY) -m pytest -p no:cacheprovider -m "sandbox or e2e" $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== database tests again on $$TEST_DATABASE_URL"; \
		$(PY) -m pytest -p no:cacheprovider -n $(TEST_WORKERS) -m "db and not e2e and not access_table" $(PYTEST_ARGS); \
	fi

bench: translations
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) instance/tinhoc.sqlite3 instance/tinhoc.sqlite3-wal instance/tinhoc.sqlite3-shm translations/*/LC_MESSAGES/*.mo
