"""Main journey in a real browser: the admin adds a commune, moves it to another district (a move
into its own subtree is refused), and sees the tree follow."""
from __future__ import annotations


def test_admin_adds_and_moves_a_unit(page, live_server, login_as):
    login_as("admin")
    page.click("nav >> text=Tổ chức")
    page.click("text=Thêm đơn vị")
    page.select_option("select[name=kind]", "commune")
    page.fill("input[name=code]", "E2E-XA")
    page.fill("input[name=name]", "UBND xã Thử Nghiệm")
    page.select_option("select[name=parent_id]", label="\u2003UBND huyện An Bình (H-AB)")
    page.click("main button[type=submit]")
    assert "Đã tạo đơn vị UBND xã Thử Nghiệm." in page.locator(".alert-success").inner_text()
    row = page.locator("#org-tree tr", has_text="UBND xã Thử Nghiệm")
    assert "tree-indent-2" in row.locator("td").first.get_attribute("class")

    row.get_by_role("link", name="UBND xã Thử Nghiệm").click()
    assert page.locator("h1").inner_text().startswith("UBND xã Thử Nghiệm")
    assert "UBND huyện An Bình" in page.locator("main p").first.inner_text()
    page.select_option("#move-form select[name=parent_id]", label="\u2003UBND huyện Phú Hòa (H-PH)")
    page.click("#move-form button[type=submit]")
    assert "Đã chuyển đơn vị." in page.locator(".alert-success").inner_text()
    assert "UBND huyện Phú Hòa" in page.locator("main p").first.inner_text()
    # a district cannot be moved under one of its own communes: its subtree is not offered
    page.click("main p >> text=UBND huyện Phú Hòa")
    options = page.locator("#move-form select[name=parent_id] option").all_inner_texts()
    assert not any("UBND xã Thử Nghiệm" in o for o in options) and any("Sở Nội vụ" in o for o in options)
