"""In a real browser: the staff list finds `Đặng` typed precomposed (NFC) or decomposed (NFD, as
macOS keyboards send it) or without accents, and lists each unit's staff in Vietnamese order."""
from __future__ import annotations

import unicodedata

# The demo's family names in Vietnamese alphabetical order (a ă â b c d đ … o ô ơ …, tones after
# the letter): Đ after D, Hoàng before Hồ, Ngô before Nguyễn, Phạm before Phan, Võ before Vũ.
FAMILY_ORDER = ["Bùi", "Đặng", "Đỗ", "Hoàng", "Hồ", "Huỳnh", "Lê", "Ngô", "Nguyễn", "Phạm", "Phan", "Trần",
                "Võ", "Vũ"]


def _search(page, typed: str) -> tuple[int, list[str]]:
    page.fill("input[name=q]", typed)
    page.click("button:has-text('Lọc')")
    page.wait_for_load_state()
    total = int(page.locator("#staff-total").inner_text().replace(".", "").replace(",", ""))
    names = page.locator("#staff tbody tr td:nth-child(2)").all_inner_texts()
    return total, names


def test_staff_list_finds_dang_typed_both_ways_and_sorts_in_vietnamese(page, live_server, login_as):
    login_as("organiser")
    page.goto(live_server + "/orgs/staff")
    nfc = unicodedata.normalize("NFC", "Đặng")
    nfd = unicodedata.normalize("NFD", "Đặng")
    assert nfc != nfd
    total, names = _search(page, nfc)
    assert total > 0 and all(name.startswith("Đặng") for name in names), names
    assert _search(page, nfd) == (total, names)
    assert _search(page, "dang")[0] >= total

    page.fill("input[name=q]", "")
    page.click("button:has-text('Lọc')")
    rows = page.locator("#staff tbody tr")
    by_unit: dict[str, list[str]] = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        by_unit.setdefault(cells[3], []).append(cells[1].split()[0])
    assert len(by_unit) >= 3
    for unit, families in by_unit.items():
        ranks = [FAMILY_ORDER.index(f) for f in families if f in FAMILY_ORDER]
        assert ranks == sorted(ranks), (unit, families)


def test_a_long_unbroken_name_wraps_instead_of_widening_the_page(page, live_server, login_as):
    login_as("admin")
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(live_server + "/orgs/staff/new")
    page.fill("input[name=employee_code]", "E2E-LONG")
    page.fill("input[name=full_name]", "Nguyễn" + "Ă" * 180)
    page.select_option("select[name=organisation_id]", index=1)
    page.click("button[type=submit]:has-text('Lưu')")
    page.wait_for_url(lambda url: "q=E2E-LONG" in url)
    assert page.locator("#staff tbody tr").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
