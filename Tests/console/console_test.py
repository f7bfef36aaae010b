#!/usr/bin/env python3
"""The auditors' console in a real browser: Debian's chromium and chromium-driver, driven by Selenium.

Starts the sandbox gateway on a fresh ledger with its own checkpoint key, sends real traffic (a payment, two courier
bookings, an e-KYC check after consent, refusals, an erasure), then signs in and checks every page's content: the
overview's charts and checkpoint, a record's disclosed and withheld fields and its outcome, a proof verified in the
browser (and refused once tampered with, or against another key), a person's recipients, the enforced policy. A
wrong token, a caller's token and no token get nothing. Screenshots go to $SCREENSHOTS (default
.build/console-screenshots; scripts/console-screenshots.sh writes docs/console/).

    python3 Tests/console/console_test.py        # needs: chromium chromium-driver (apt), selenium (pip); ~30 s
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("MINGATE_BIN", os.path.join(ROOT, ".build", "debug", "mingate"))
SCREENSHOTS = os.environ.get("SCREENSHOTS", os.path.join(ROOT, ".build", "console-screenshots"))
CALLER, AUDITOR, ADMIN = "sandbox-demo-token", "sandbox-auditor-token", "sandbox-admin-token"
SUBJECT = "customer-8812"

checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        raise AssertionError(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, token=None, body=None, headers=None):
    data = None
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = "Bearer " + token
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, (bytes, str)):
        data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def multipart(fields):
    boundary = "console-test-boundary"
    out = b""
    for name, value, filename, content_type in fields:
        out += b"--" + boundary.encode() + b"\r\n"
        disposition = 'form-data; name="%s"' % name
        if filename:
            disposition += '; filename="%s"' % filename
        out += b"Content-Disposition: " + disposition.encode() + b"\r\n"
        if content_type:
            out += b"Content-Type: " + content_type.encode() + b"\r\n"
        out += b"\r\n" + value + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary


def traffic(gateway):
    """Real calls through the gateway; returns how many decision records they make."""
    def call(target, body, content_type="application/json", subject=SUBJECT, expect=200):
        status, answer = http("POST", gateway + "/p/" + target, CALLER,
                              body if isinstance(body, bytes) else json.dumps(body).encode(),
                              {"Content-Type": content_type, "X-Mingate-Subject": subject})
        check(status == expect, "%s answered %s, not %s: %s" % (target, status, expect, answer[:300]))

    call("midtrans/payment/v2/charge", {
        "payment_type": "bank_transfer", "transaction_details": {"order_id": "ORD-1", "gross_amount": 125000},
        "customer_details": {"first_name": "Budi", "email": "budi@example.com", "phone": "+6281234567890"},
        "bank_transfer": {"bank": "bca"}})
    for order in ["ORD-1", "ORD-2"]:
        call("biteship/delivery/v1/orders", {
            "destination_contact_name": "Budi Santoso", "destination_contact_phone": "+6281234567890",
            "destination_address": "Jl. Sudirman No. 1", "destination_postal_code": "10220", "reference_id": order,
            "courier_company": "jne", "courier_type": "reg", "items": [{"name": "Sepatu lari", "value": 125000}]})
    # e-KYC without consent is refused; with consent it goes through.
    body, content_type = multipart([("name", b"Budi Santoso", None, None), ("nik", b"3171234567890001", None, None),
                                    ("selfie", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff\xd9", "selfie.jpg", "image/jpeg")])
    call("verihubs/identity-verification/v1/identity/verify", body, content_type, expect=403)
    status, answer = http("POST", gateway + "/admin/consents", ADMIN, {
        "subject": SUBJECT, "partner": "verihubs", "purpose": "identity-verification", "kind": "purpose",
        "state": "granted", "evidence": "consent-screen-4711"})
    check(status == 200, "consent not recorded: %s %s" % (status, answer[:200]))
    call("verihubs/identity-verification/v1/identity/verify", body, content_type)
    # A body that cannot be parsed is refused and recorded.
    call("midtrans/payment/v2/charge", b'{"payment_type":"x","payment_type":"y"}', expect=400)
    # Another person's payment.
    call("midtrans/payment/v2/charge", {
        "payment_type": "qris", "transaction_details": {"order_id": "ORD-3", "gross_amount": 50000}}, subject="customer-1001")
    status, answer = http("POST", gateway + "/admin/subjects/erase", ADMIN, {"subject": SUBJECT})
    check(status == 200, "erasure refused: %s %s" % (status, answer[:200]))
    return 7


def wait_for_checkpoint(gateway, at_least):
    for _ in range(100):
        status, note = http("GET", gateway + "/audit/checkpoint", AUDITOR)
        if status == 200 and int(note.decode().split("\n")[1]) >= at_least:
            return note.decode()
        time.sleep(0.1)
    raise AssertionError("no checkpoint covering %d records" % at_least)


class Console:
    def __init__(self, gateway):
        self.gateway = gateway
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--hide-scrollbars", "--force-device-scale-factor=1"]:
            options.add_argument(argument)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        self.driver = webdriver.Chrome(service=Service(driver_path), options=options)
        self.wait = WebDriverWait(self.driver, 15)

    def quit(self):
        self.driver.quit()

    def find(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def visible(self, selector):
        return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, selector)))

    def wait_text(self, selector, text):
        try:
            self.wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))
        except Exception:
            found = self.driver.find_elements(By.CSS_SELECTOR, selector)
            raise AssertionError("%r never showed %r; it shows %r; notice: %r" % (
                selector, text, found[0].text[:500] if found else None, self.find("#notice").text))
        return self.find(selector)

    def open(self, fragment=""):
        self.driver.get(self.gateway + "/console/" + fragment)
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def sign_in(self, token, key):
        self.visible("#signin-token")
        field = self.find("#signin-token")
        field.clear()
        field.send_keys(token)
        field = self.find("#signin-key")
        field.clear()
        if key:
            field.send_keys(key)
        self.find("#signin-form button[type=submit]").click()

    def shot(self, name, selector=None):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        # The window's outer size includes the browser's own frame: grow it until the whole page fits.
        for _ in range(3):
            inner, page = self.driver.execute_script("return [window.innerHeight, document.documentElement.scrollHeight]")
            if inner >= min(page, 4000):
                break
            outer = self.driver.get_window_size()["height"]
            self.driver.set_window_size(1280, min(outer + page - inner + 10, 4100))
        self.driver.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.2)
        path = os.path.join(SCREENSHOTS, name + ".png")
        self.driver.save_screenshot(path)
        self.driver.set_window_size(1280, 1000)
        print("console-test: screenshot " + path)

    def errors(self):
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"
                and "/audit/" not in entry["message"]]  # refused API calls are expected in the refusal checks


def main():
    check(os.path.exists(BINARY), "no gateway binary at %s: run swift build first" % BINARY)
    work = tempfile.mkdtemp(prefix="mingate-console-")
    gateway_process = None
    console = None
    try:
        for name in ["log", "other"]:
            # The log's key is drawn until its base64 holds a '+' (about one draw in two), so the page's key parser
            # is always tried on the separator appearing inside the key.
            for _ in range(40):
                subprocess.run([BINARY, "ledger", "keygen", "--origin", "console-test.mingate.local/" + name, "--force",
                                "--out", os.path.join(work, name)], check=True, stdout=subprocess.DEVNULL)
                if name != "log" or "+" in open(os.path.join(work, "log.pub")).read().split("+", 2)[2]:
                    break
        pinned = open(os.path.join(work, "log.pub")).read().strip()
        check("+" in pinned.split("+", 2)[2], "no key with a '+' in its base64 was drawn")
        other = open(os.path.join(work, "other.pub")).read().strip()
        port = free_port()
        environment = dict(os.environ, MINGATE_LEDGER_KEY="sandbox-not-a-secret:env:MINGATE_LEDGER_KEY",
                           MINGATE_ADMIN_TOKEN=ADMIN)
        log = open(os.path.join(work, "gateway.log"), "w")
        gateway_process = subprocess.Popen(
            [BINARY, "serve", "--sandbox", "--port", str(port), "--ledger", "sqlite:" + os.path.join(work, "ledger.sqlite"),
             "--checkpoint-key", os.path.join(work, "log.key"), "--log-level", "warning"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        gateway = "http://127.0.0.1:%d" % port
        for _ in range(200):
            try:
                if http("GET", gateway + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            raise AssertionError("the gateway did not start: " + open(os.path.join(work, "gateway.log")).read()[-2000:])

        # Without an auditor's token the API answers nothing.
        for token in [None, "wrong-token", CALLER]:
            for method, path, body in [("GET", "/audit/overview", None), ("GET", "/audit/records", None),
                                       ("GET", "/audit/policy", None), ("POST", "/audit/subjects/report", {"subject": SUBJECT})]:
                status, answer = http(method, gateway + path, token, body)
                check(status in (401, 403), "%s %s with %r answered %s" % (method, path, token, status))
                check(b"midtrans" not in answer and b"records" not in answer, "a refusal carried data: %r" % answer[:200])

        records = traffic(gateway)
        note = wait_for_checkpoint(gateway, records)
        print("console-test: gateway on %s, %d decision records, checkpoint %s" % (gateway, records, note.split("\n")[1]))

        console = Console(gateway)
        # No token: the sign-in page, whatever page is asked for.
        console.open("#records")
        console.visible("#page-signin")
        check(not console.find("#page-records").is_displayed(), "the records page showed without a token")
        check(console.driver.execute_script("return sessionStorage.length") == 0, "something was stored before sign-in")
        console.shot("01-sign-in")

        # A wrong token and a caller's token are refused and open nothing.
        for token, name in [("wrong-token", "a wrong token"), (CALLER, "a caller's token")]:
            console.sign_in(token, pinned)
            error = console.wait_text("#signin-error", "Refused")
            check("unauthenticated" in error.text or "forbidden" in error.text or "caller" in error.text or "not" in error.text,
                  "%s: the refusal does not say why: %r" % (name, error.text))
            check(not console.find("#nav").is_displayed(), "%s opened the console" % name)
            check(console.driver.execute_script("return sessionStorage.getItem('mingate.console.token')") is None,
                  "%s was kept" % name)
        console.shot("02-caller-token-refused")
        # A mistyped key is refused before anything is fetched.
        console.sign_in(AUDITOR, pinned[:-3] + "AAA")
        console.wait_text("#signin-error", "public key is not usable")

        # The auditor's token opens it.
        console.sign_in(AUDITOR, pinned)
        console.visible("#nav")
        # Signing in opens the page that was asked for (records); the overview is one click away.
        console.wait_text("#records-status", "record(s)")
        console.find("#nav a[data-page=overview]").click()
        cards = console.wait_text("#overview-log", "signature verified here with your pinned key")
        check("records in the log" in cards.text.lower() and "latest checkpoint" in cards.text.lower(),
              "the overview lacks the log's size or checkpoint: %r" % cards.text)
        check("not cosigned" in cards.text and "no witnesses are configured" in cards.text,
              "the overview does not say the checkpoint has no witnesses: %r" % cards.text)
        time_chart = console.find("#chart-time svg")
        check("midtrans" in time_chart.text and "biteship" in time_chart.text and "verihubs" in time_chart.text,
              "the time chart lacks the partners: %r" % time_chart.text)
        category = console.find("#chart-category svg").text
        check("⚠" in category, "no specific category is marked in %r" % category)
        refusals = console.find("#chart-refusals svg").text
        check("consent_required" in refusals and "duplicate_key" in refusals, "refusals chart: %r" % refusals)
        withheld = console.find("#chart-withheld svg").text
        check("sandbox-demo" in withheld and "%" in withheld, "withheld chart: %r" % withheld)
        console.shot("03-overview")

        # Records: search by partner, open one, read what was disclosed and withheld and what became of it.
        console.find("#nav a[data-page=records]").click()
        console.wait_text("#records-status", "record(s)")
        Select(console.find("#records-form select[name=partner]")).select_by_visible_text("midtrans")
        Select(console.find("#records-form select[name=decision]")).select_by_visible_text("forward")
        console.find("#records-form button[type=submit]").click()
        console.wait_text("#records-status", "2 record(s)")
        rows = console.driver.find_elements(By.CSS_SELECTOR, "#records-table tbody tr")
        check(len(rows) == 2, "2 forwarded midtrans records, not %d" % len(rows))
        first_seq = rows[0].get_attribute("data-seq")
        rows[0].click()
        detail = console.wait_text("#record-detail", "Disclosed")
        text = detail.text
        for expected in ["$['transaction_details']['order_id']", "$['transaction_details']['gross_amount']",
                         "$['customer_details']", "contract", "PT Midtrans", "sandbox-demo", "not a transfer (stays in ID)"]:
            check(expected in text, "record %s does not show %r:\n%s" % (first_seq, expected, text))
        outcome = console.wait_text("#record-detail .outcome", "HTTP 200")
        check("bytes sent" in outcome.text, "outcome: %r" % outcome.text)
        check("Budi" not in text and "budi@example.com" not in text, "a raw personal value is on the page")
        console.shot("04-record")

        # A refusal reason search goes through the same API.
        console.find("#records-form select[name=partner]").send_keys("any")
        Select(console.find("#records-form select[name=partner]")).select_by_value("")
        Select(console.find("#records-form select[name=decision]")).select_by_value("")
        reason = console.find("#records-form input[name=reason]")
        reason.send_keys("consent_required")
        console.find("#records-form button[type=submit]").click()
        console.wait_text("#records-status", "1 record(s)")
        check("verihubs" in console.find("#records-table tbody").text, "the consent refusal is not the verihubs call")
        reason.clear()
        reason.send_keys("no_such_reason")
        console.find("#records-form button[type=submit]").click()
        console.wait_text("#notice", "bad_request")

        # The record's proof, verified in the browser.
        console.open("#proof/" + first_seq)
        verdict = console.wait_text("#proof-verdict", "erified")
        check(verdict.get_attribute("data-result") == "verified", "the proof did not verify: %r" % verdict.text)
        steps = console.find("#proof-steps").text
        check("Path to the root" in steps and "equal ✓" in steps and "verified ✓" in steps, "proof steps: %r" % steps)
        check(len(console.driver.find_elements(By.CSS_SELECTOR, "ol.path li")) >= 3, "the path is shorter than the tree is deep")
        console.shot("05-proof-verified")
        receipt = console.find("#proof-text").get_attribute("value")
        check(receipt.startswith("c2sp.org/tlog-proof@v1\n"), "the receipt: %r" % receipt[:60])

        def verify_pasted(text):
            console.driver.execute_script("document.getElementById('proof-paste').open = true")
            area = console.find("#proof-text")
            console.driver.execute_script("arguments[0].value = arguments[1]", area, text)
            console.find("#proof-check").click()
            console.wait.until(lambda d: "pasted" in d.find_element(By.CSS_SELECTOR, "#proof-verdict").text)
            return console.find("#proof-verdict")

        check(verify_pasted(receipt).get_attribute("data-result") == "verified", "the untouched receipt did not verify")
        lines = receipt.split("\n")
        # A proof hash changed.
        hashed = bytearray(base64.b64decode(lines[3]))
        hashed[0] ^= 1
        tampered = "\n".join(lines[:3] + [base64.b64encode(bytes(hashed)).decode()] + lines[4:])
        verdict = verify_pasted(tampered)
        check(verdict.get_attribute("data-result") == "failed" and "altered" in verdict.text, "a changed proof: %r" % verdict.text)
        console.shot("06-proof-tampered")
        # The record changed (the partner's name in it).
        record = base64.b64decode(lines[1][6:]).replace(b'"midtrans"', b'"midtranz"')
        check(b"midtranz" in record, "the record had no partner to change")
        tampered = "\n".join([lines[0], "extra " + base64.b64encode(record).decode()] + lines[2:])
        verdict = verify_pasted(tampered)
        check(verdict.get_attribute("data-result") == "failed", "a changed record verified: %r" % verdict.text)
        # The signed root changed: the signature no longer holds.
        split = receipt.index("\n\n")
        head, note_text = receipt[:split + 2], receipt[split + 2:]
        note_lines = note_text.split("\n")
        root = bytearray(base64.b64decode(note_lines[2]))
        root[5] ^= 0x40
        note_lines[2] = base64.b64encode(bytes(root)).decode()
        verdict = verify_pasted(head + "\n".join(note_lines))
        check(verdict.get_attribute("data-result") == "failed" and "signature" in verdict.text, "a changed root: %r" % verdict.text)
        # Another log's key: nothing verifies.
        console.driver.execute_script("localStorage.setItem('mingate.console.logkey', arguments[0])", other)
        verdict = verify_pasted(receipt)
        check(verdict.get_attribute("data-result") == "failed", "a receipt verified against another log's key")
        console.driver.execute_script("localStorage.setItem('mingate.console.logkey', arguments[0])", pinned)

        # A person: every recipient, with consents and erasure, on screen and as a download.
        console.open("#person")
        console.visible("#person-id").send_keys(SUBJECT)
        Select(console.find("#person-language")).select_by_value("en")
        console.find("#person-reference").send_keys("DSR-2026-0042")
        console.find("#person-form button[type=submit]").click()
        table = console.wait_text("#person-recipients", "PT Midtrans")
        for expected in ["PT Biteship Teknologi Indonesia", "PT Verihubs Inteligensia Nusantara", "Indonesia"]:
            check(expected in table.text, "the person's recipients lack %r: %r" % (expected, table.text))
        check("⚠" in table.text, "no specific category is marked for the person")
        check(len(console.driver.find_elements(By.CSS_SELECTOR, "#person-recipients tbody tr")) == 3,
              "3 recipient uses (payment, delivery, identity verification)")
        consents = console.find("#person-consents").text
        check("verihubs" in consents.lower() or "Verihubs" in consents, "the consent is not shown: %r" % consents)
        check("customer-1001" not in console.driver.page_source, "another person's id is on the page")
        check(console.find("#person-download-html").is_enabled(), "no download")
        html = console.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            personRequest('html').then(r => r.text()).then(done, e => done('ERROR ' + e.message));""")
        check(html.startswith("<!doctype html>") or html.lower().startswith("<!doctype html"), "the download is not the report: %r" % html[:80])
        check("PT Midtrans" in html and "DSR-2026-0042" in html, "the downloaded report lacks its recipients or reference")
        console.shot("07-person")

        # Partners: the enforced policy.
        console.open("#partners")
        section = console.wait_text("#partners-list", "PT Midtrans")
        text = section.text
        for expected in ["payment", "delivery", "identity-verification", "body $.transaction_details.order_id", "contract", "ID",
                         "POST /v2/charge"]:
            check(expected in text, "the partners page lacks %r" % expected)
        check(len(console.driver.find_elements(By.CSS_SELECTOR, "#partners-list .tag.sensitive")) > 0, "no specific category marked")
        console.shot("08-partners")

        check(console.errors() == [], "the browser logged errors: %r" % console.errors())
        # Signing out forgets the token.
        console.find("#signout").click()
        console.visible("#page-signin")
        check(console.driver.execute_script("return sessionStorage.getItem('mingate.console.token')") is None, "the token survived sign-out")
        print("console-test: OK, %d checks" % checks)
    finally:
        if console:
            console.quit()
        if gateway_process:
            gateway_process.terminate()
            try:
                gateway_process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gateway_process.kill()
        if os.environ.get("KEEP"):
            print("console-test: kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print("console-test: FAILED after %d checks: %s" % (checks, error), file=sys.stderr)
        sys.exit(1)
