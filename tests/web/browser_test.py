#!/usr/bin/python3
"""The admin console in a real browser: Debian's headless Chromium driven through
chromium-driver by Selenium, against real redis-server, hotdesk-server, hotdesk-featurecodes and
hotdesk-web processes. Each test saves a screenshot under --out-dir.

Exit 77 (ctest SKIP) only when chromium, chromedriver or python3-selenium is missing."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ARGS = None
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    webdriver = None

MAC1, MAC2 = "0015657a1b2c", "0015657a1b2d"


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack(ARGS.bin_dir)
        s = cls.stack
        for mac, ext, name in [(MAC1, "HD0001", "Desk 1"), (MAC2, "HD0002", "Desk 2")]:
            st, body = s.api("POST", s.tpath("/devices"),
                             {"mac": mac, "hotdeskExtension": ext, "displayName": name})
            assert st == 200, body
        for gid, name, pin in [("101", "Alice", "73915"), ("102", "Bob", "246802")]:
            st, body = s.api("POST", s.tpath("/guests"),
                             {"guest": {"id": gid, "displayName": name, "hotdeskingEnabled": True},
                              "pin": pin})
            assert st == 200, body
        os.makedirs(ARGS.out_dir, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.stack.cleanup()

    def setUp(self):
        opts = webdriver.ChromeOptions()
        self.profile = tempfile.mkdtemp(prefix="hotdesk-chromium-")
        for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--user-data-dir=" + self.profile, "--window-size=1280,860"]:
            opts.add_argument(a)
        opts.binary_location = CHROMIUM
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.driver.implicitly_wait(0)

    def tearDown(self):
        name = self.id().rsplit(".", 1)[1]
        self.driver.save_screenshot(os.path.join(ARGS.out_dir, name + ".png"))
        errors = [l for l in self.driver.get_log("browser")
                  if l["level"] == "SEVERE" and "Failed to load resource" not in l["message"]]
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)
        self.assertEqual(errors, [], "errors in the browser console")

    # -------------------------------------------------------------------------------- helpers

    def wait(self, pred, timeout=10.0, what="condition"):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.02).until(
            lambda d: pred(), message=f"timed out waiting for {what}")

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def open_console(self, token=None, devices=2):
        """Signs in with `token` (the stack's admin token by default: the core checks tokens);
        waits for the board to list `devices` devices."""
        self.driver.get(self.stack.url + "/#tenant=acme")
        self.wait(lambda: self.find("#sign-in").is_displayed(), what="the sign-in form")
        self.find("#token").send_keys(token or self.stack.admin_token)
        self.find("#sign-in-form button[type=submit]").click()
        self.wait(lambda: "live" in self.find("#stream-state").text, what="the event stream")
        if devices:
            self.wait(lambda: len(self.finds("#board-table tbody tr")) == devices,
                      what=f"the {devices} devices")

    def row(self, host):
        rows = self.finds(f'#board-table tr[data-host="{host}"]')
        return rows[0] if rows else None

    def guest_at(self, host):
        r = self.row(host)
        return r.find_element(By.CSS_SELECTOR, "td.guest").text if r else None

    def seconds_until_shown(self, host, guest, limit=1.0):
        """Time from now until the board shows guest at host; fails after `limit` seconds."""
        start = time.monotonic()
        self.wait(lambda: self.guest_at(host) == guest, timeout=limit,
                  what=f"{guest} at {host} on the board within {limit} s")
        return time.monotonic() - start

    # -------------------------------------------------------------------------------- tests

    def test_board_shows_logins_from_hotdeskctl_and_feature_codes_within_a_second(self):
        s = self.stack
        self.open_console()
        self.assertIn("idle", self.row("HD0001").text)
        self.assertIn("HD0001", self.row("HD0001").text, "an idle device shows its hot-desk extension")

        s.ctl("establish", "HD0001", "101", "--limit", "8h")
        took = self.seconds_until_shown("HD0001", "101")
        print(f"board: hotdeskctl login shown after {took * 1000:.0f} ms")
        self.assertRegex(self.row("HD0001").text, r"(7 h 5\d|8 h 00) min", "time to the association limit")

        # A person at desk 2 dials the 3CX login code and the PIN (the PBX's two HTTP calls).
        st, dial = harness.http("POST", s.fc_http + "/v1/dial", {"device": MAC2, "digits": "*77*102*"},
                                s.pbx_headers)
        self.assertEqual(st, 200, dial)
        self.assertEqual(dial["action"], "PROMPT_PIN", dial)
        st, pin = harness.http("POST", s.fc_http + "/v1/pin",
                               {"session_id": dial["session_id"], "pin": "246802"}, s.pbx_headers)
        self.assertEqual(pin["result"], "LOGGED_IN", pin)
        took = self.seconds_until_shown("HD0002", "102")
        print(f"board: feature-code login shown after {took * 1000:.0f} ms")
        self.assertIn("feature code", self.row("HD0002").text)
        self.assertEqual(self.find("#count-occupied").text, "2")
        if ARGS.doc_shot:
            self.driver.save_screenshot(ARGS.doc_shot)

        # Search and filters work on the live data.
        self.find("#board-search").send_keys("bob")
        self.wait(lambda: len(self.finds("#board-table tbody tr")) == 0 or
                  all(r.get_attribute("data-host") == "HD0002" for r in self.finds("#board-table tbody tr")),
                  what="search by guest")
        s.ctl("cancel", "--host", "HD0001")
        s.ctl("cancel", "--host", "HD0002")
        self.wait(lambda: self.find("#count-occupied").text == "0", what="both logouts on the board")

    def test_force_logout_from_the_page_removes_the_association_and_sends_cancelled_forced(self):
        s = self.stack
        s.ctl("establish", "HD0001", "101")
        watch = subprocess.Popen([s.binary("services/cli/hotdeskctl"), "--server", s.grpc,
                                  "--tenant", "acme", "watch"], stdout=subprocess.PIPE, text=True,
                                 env={**os.environ, "HOTDESK_TOKEN": s.admin_token})
        try:
            self.open_console()
            self.wait(lambda: self.guest_at("HD0001") == "101", what="the login on the board")
            self.row("HD0001").find_element(By.CSS_SELECTOR, 'button[data-action="force-logout"]').click()
            self.wait(lambda: self.find("#confirm").is_displayed(), what="the confirmation")
            self.assertIn("101", self.find("#confirm-text").text)
            self.find("#confirm-reason").send_keys("left for the day")
            self.find("#confirm-ok").click()
            harness.wait_for(lambda: s.redis_cli("HEXISTS", "hotdesk:{acme}:by-host", "HD0001") == "0",
                             timeout=5, what="HD0001 gone from Redis")
            self.wait(lambda: "idle" in self.row("HD0001").text, what="the board shows HD0001 idle")
            line = watch.stdout.readline().strip()
            self.assertRegex(line, r"CANCELLED host=HD0001 guest=101 .*reason=FORCED", line)
        finally:
            watch.terminate()
            watch.wait()
            watch.stdout.close()
        with open(s.web.err_path) as f:
            audit = f.read()
        self.assertIn('reason="left for the day"', audit, "the stated reason is in the audit log")

    def test_device_with_invalid_mac_shows_the_field_error_at_the_field(self):
        self.open_console()
        self.find("#tab-devices").click()
        self.find("#device-add").click()
        self.wait(lambda: self.find("#device-dialog").is_displayed(), what="the device form")
        self.find("#d-mac").send_keys("00:15:65:zz:1b:2c")
        self.find("#d-ext").send_keys("HD0009")
        self.find("#device-form button[type=submit]").click()
        self.wait(lambda: self.find("#err-mac").text != "", what="the MAC field error")
        self.assertIn("MAC", self.find("#err-mac").text)
        self.assertEqual(self.find("#d-mac").get_attribute("aria-invalid"), "true")
        self.assertEqual(self.find("#err-hotdeskExtension").text, "")
        self.assertEqual(self.stack.redis_cli("HLEN", "hotdesk:{acme}:dev"), "2", "nothing added")

    def test_viewer_sees_no_force_logout_and_the_api_refuses_it(self):
        s = self.stack
        s.ctl("establish", "HD0002", "102")
        token = s.token("viewer", subject="viewer@acme")
        # A viewer reads the devices (the board), not the guests, and changes nothing.
        self.open_console(token)
        self.wait(lambda: self.guest_at("HD0002") == "102", what="the login on the board")
        self.assertIn("viewer", self.find("#who-text").text)
        self.assertEqual(self.finds('button[data-action="force-logout"]'), [])
        self.assertEqual(self.finds('button[data-action="force-release"]'), [])
        self.assertFalse(self.find("#device-add").is_displayed())
        # The API must refuse a viewer's force logout whatever the page shows.
        st, body = s.api("POST", s.tpath(f"/devices/{MAC2}:forceLogout"), {},
                         {"Authorization": "Bearer " + token})
        self.assertEqual(st, 403, body)
        self.assertEqual(s.redis_cli("HEXISTS", "hotdesk:{acme}:by-host", "HD0002"), "1")
        s.ctl("cancel", "--host", "HD0002")

    def test_phone_layout_and_keyboard(self):
        self.driver.set_window_size(390, 844)
        self.open_console()
        # Tabs move with the arrow keys, as screen-reader users expect of a tab list.
        from selenium.webdriver.common.keys import Keys
        self.find("#tab-board").send_keys(Keys.ARROW_RIGHT)
        self.wait(lambda: self.find("#tab-devices").get_attribute("aria-selected") == "true",
                  what="arrow key selects the next tab")
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "tab-devices")
        self.find("#tab-devices").send_keys(Keys.ARROW_LEFT)
        self.wait(lambda: self.find("#board").is_displayed(), what="back to the board")
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        self.assertLessEqual(width, 400, "no horizontal scrolling on a phone")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--doc-shot", default="", help="also save the board screenshot here")
    ARGS, rest = ap.parse_known_args()
    missing = [n for n, ok in [("chromium", os.path.exists(CHROMIUM)),
                               ("chromium-driver", os.path.exists(CHROMEDRIVER)),
                               ("python3-selenium", webdriver is not None)] if not ok]
    if missing:
        print(f"SKIP: browser tests need {', '.join(missing)} (deploy/install-deps.sh installs them)")
        return 77
    prog = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
