#!/usr/bin/env python3
"""Real-browser scenarios for the reference web app (web/), run by Tests/EndToEndTests/BrowserTests.swift.

Headless Chromium through Selenium against a running stack (nginx serving web/ and the API):

    python scenarios.py SCENARIO --base-url http://localhost:PORT --mail-dir DIR --screenshots DIR \
        --username NAME [--email ADDRESS] [--cors-port PORT] [--doc-screenshots DIR]

Prints "PASS <scenario>" and exits 0, or prints what failed, saves a screenshot (its path is
printed) and exits 1. TOTP codes are computed here (RFC 6238) from the secret the page shows;
emailed codes and links are read from the file email backend's directory (one .eml per mail).
"""
import argparse
import base64
import email
import email.policy
import hashlib
import hmac
import http.server
import os
import re
import struct
import sys
import threading
import time
import traceback
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "S3cret-pass!"  # stack.createUser's default
WAIT = 20


# ------------------------------------------------------------------ TOTP (RFC 6238) and mail

def totp(secret, step):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


class Phone:
    """An authenticator app: never offers a time step twice (the server refuses replays).
    With a server window of `window` steps the oldest still-valid step is used first."""

    def __init__(self, secret, window=1, interval=30):
        self.secret, self.window, self.interval, self.last = secret, window, interval, -1

    def next_code(self):
        while True:
            now = time.time()
            current = int(now) // self.interval
            remaining = self.interval - now % self.interval
            step = max(self.last + 1, current - self.window)
            if step < current and remaining < 3:
                step = current
            if step <= current + self.window:
                self.last = step
                return totp(self.secret, step)
            time.sleep(remaining + 0.2)


class Mailbox:
    def __init__(self, directory):
        self.directory = directory

    def messages(self, recipient):
        out = []
        for name in sorted(os.listdir(self.directory)):
            if not name.endswith(".eml"):
                continue
            with open(os.path.join(self.directory, name), "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            if recipient in str(msg.get("To", "")):
                part = msg.get_body(preferencelist=("plain",))
                out.append(part.get_content() if part else "")
        return out

    def wait(self, recipient, count):
        """The text of message number `count` (1-based) to `recipient`, waiting for delivery."""
        deadline = time.time() + WAIT
        while time.time() < deadline:
            texts = self.messages(recipient)
            if len(texts) >= count:
                return texts[count - 1]
            time.sleep(0.1)
        raise AssertionError(f"no mail number {count} to {recipient} in {self.directory}")

    def code(self, recipient, count):
        text = self.wait(recipient, count)
        match = re.search(r"\b(\d{6})\b", text)
        assert match, f"no code in mail: {text!r}"
        return match.group(1)

    def link(self, recipient, count):
        text = self.wait(recipient, count)
        match = re.search(r"https?://\S+", text)
        assert match, f"no link in mail: {text!r}"
        return match.group(0)


# ------------------------------------------------------------------ the browser

class Browser:
    def __init__(self, base_url):
        self.base = base_url.rstrip("/")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,1300",
                     "--disable-gpu", "--no-first-run", "--password-store=basic"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(WAIT)

    def quit(self):
        self.driver.quit()

    def wait(self, condition, what):
        try:
            # Pages reload and tables are rebuilt: an element gone meanwhile is looked up again.
            ignored = (StaleElementReferenceException, NoSuchElementException)
            return WebDriverWait(self.driver, WAIT, ignored_exceptions=ignored).until(condition)
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what}; status: {self.status()!r}") from None

    def open(self, path):
        self.driver.get(self.base + path)

    def el(self, element_id):
        return self.wait(EC.visibility_of_element_located((By.ID, element_id)), f"#{element_id} visible")

    def fill(self, element_id, text):
        field = self.el(element_id)
        field.clear()
        field.send_keys(text)

    def click(self, element_id):
        """Clears the status region first, so the next expect_status sees only this action's answer."""
        self.clear_status()
        self.wait(EC.element_to_be_clickable((By.ID, element_id)), f"#{element_id} clickable").click()

    def text(self, element_id):
        return self.el(element_id).text

    def status(self):
        try:
            return self.driver.find_element(By.ID, "status").text
        except WebDriverException:
            return ""

    def expect_status(self, expected):
        """Waits until the aria-live region says `expected` (a substring), and returns its text."""
        self.wait(lambda d: expected in self.status(), f"status {expected!r}")
        return self.status()

    def expect_path(self, path):
        self.wait(lambda d: urllib.parse.urlparse(d.current_url).path == path, f"page {path}")

    def row_text(self, method):
        return self.el(f"remaining-{method}").find_element(By.XPATH, "ancestor::tr").text

    def is_primary(self, method):
        row = self.driver.find_element(By.CSS_SELECTOR, f"tr[data-method={method}]")
        return "primary" in [badge.text for badge in row.find_elements(By.CLASS_NAME, "badge")]

    def clear_status(self):
        self.driver.execute_script("document.getElementById('status')?.replaceChildren()")

    def console(self):
        try:
            return [e["message"] for e in self.driver.get_log("browser")]
        except WebDriverException:
            return []


# ------------------------------------------------------------------ steps

def sign_in_password(b, username, password=PASSWORD):
    b.open("/")
    b.fill("username", username)
    b.fill("password", password)
    b.click("login-submit")


def sign_in_without_mfa(b, username):
    sign_in_password(b, username)
    b.expect_path("/account.html")
    b.wait(lambda d: b.text("whoami") == username, "the account page")


def log_out(b):
    b.click("logout")
    b.expect_path("/index.html")


def enrol_app(b, doc_dir=None):
    """On the account page: adds and confirms the app method; returns (phone, backup codes)."""
    b.click("add-app")
    secret = b.text("setup-secret")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), f"secret {secret!r}"
    codes = [li.text for li in b.el("backup-codes").find_elements(By.TAG_NAME, "li")]
    assert len(codes) == 5, codes
    # The API's qr_svg, shown as an image (a data: URL, allowed by the CSP's img-src).
    qr = b.el("setup-qr")
    b.wait(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", qr),
           "the QR code image")
    if doc_dir:
        b.driver.save_screenshot(os.path.join(doc_dir, "account-setup.png"))
    phone = Phone(secret)
    b.fill("confirm-code", phone.next_code())
    b.click("confirm-submit")
    b.expect_status("Activated MFA method")
    assert b.is_primary("app"), b.row_text("app")
    if doc_dir:
        b.driver.save_screenshot(os.path.join(doc_dir, "account.png"))
    return phone, codes


def enrol_email(b, mail, address, mails_before):
    b.click("add-email")
    b.wait(lambda d: "Email message with MFA code has been sent." in b.text("setup-detail"), "the email set-up")
    b.fill("confirm-code", mail.code(address, mails_before + 1))
    b.click("confirm-submit")
    b.expect_status("Activated MFA method")


def second_step(b, hint):
    b.wait(lambda d: hint in b.text("method-hint"), f"second step ({hint})")


# ------------------------------------------------------------------ scenarios

def scenario_totp(b, a):
    """Enrol the app method on the account page, then sign in with a TOTP code."""
    b.open("/")
    b.el("login-form")
    if a.doc_screenshots:
        b.driver.save_screenshot(os.path.join(a.doc_screenshots, "sign-in.png"))
    sign_in_without_mfa(b, a.username)
    phone, _ = enrol_app(b, a.doc_screenshots)
    log_out(b)
    sign_in_password(b, a.username)
    second_step(b, "authenticator app")
    b.fill("code", "000000")
    b.click("verify-submit")
    b.expect_status("Invalid code")
    b.fill("code", phone.next_code())
    b.click("verify-submit")
    b.expect_path("/account.html")
    b.wait(lambda d: b.text("whoami") == a.username, "the account page")
    # Log out everywhere: the account page then sends the browser back to sign in.
    b.click("logout-all")
    b.expect_path("/index.html")
    b.open("/account.html")
    b.expect_path("/index.html")


def scenario_backup(b, a):
    """Sign in with a backup code instead of the TOTP code; one fewer is left."""
    sign_in_without_mfa(b, a.username)
    _, codes = enrol_app(b)
    assert "5 backup codes left" in b.row_text("app"), b.row_text("app")
    # Download (a .txt Blob) and copy (the clipboard) hold the same five codes.
    downloads = os.path.join(a.screenshots, f"downloads-{a.username}")
    os.makedirs(downloads, exist_ok=True)
    b.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    b.click("download-codes")
    saved = os.path.join(downloads, "backup-codes.txt")
    b.wait(lambda d: os.path.exists(saved) and all(c in open(saved).read() for c in codes), "backup-codes.txt")
    b.driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": b.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    b.click("copy-codes")
    b.expect_status("Backup codes copied.")
    copied = b.driver.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], (e) => arguments[0]('error: ' + e))")
    assert all(c in copied for c in codes), copied
    log_out(b)
    sign_in_password(b, a.username)
    second_step(b, "authenticator app")
    b.fill("code", codes[2])
    b.click("verify-submit")
    b.expect_path("/account.html")
    b.wait(lambda d: "4 backup codes left" in b.row_text("app"), "4 backup codes left")
    log_out(b)
    sign_in_password(b, a.username)  # a used code is refused
    second_step(b, "authenticator app")
    b.fill("code", codes[2])
    b.click("verify-submit")
    b.expect_status("Invalid code")


def scenario_email(b, a):
    """Enrol the email method with the mailed code, sign in with a code, resend, switch method."""
    mail = Mailbox(a.mail_dir)
    address = a.email or f"{a.username}@example.com"
    sign_in_without_mfa(b, a.username)
    sent = len(mail.messages(address))
    enrol_email(b, mail, address, sent)
    log_out(b)
    sign_in_password(b, a.username)  # mail 2: the login code
    second_step(b, "email")
    first = mail.code(address, sent + 2)
    b.click("resend")  # mail 3: only its code works now
    b.expect_status("A new code has been sent.")
    latest = mail.code(address, sent + 3)
    if first != latest:
        b.fill("code", first)
        b.click("verify-submit")
        b.expect_status("Invalid code")
    # The API knows only the current method: another one that is not set up is refused.
    b.driver.find_element(By.CSS_SELECTOR, "#new-method option[value=app]").click()
    b.click("change-method")
    b.expect_status("Requested MFA method does not exist.")
    b.fill("code", latest)
    b.click("verify-submit")
    b.expect_path("/account.html")
    b.wait(lambda d: b.text("whoami") == a.username, "the account page")


def scenario_manage(b, a):
    """Set primary, regenerate backup codes (count), deactivate, delete, from the account page."""
    mail = Mailbox(a.mail_dir)
    address = a.email or f"{a.username}@example.com"
    sign_in_without_mfa(b, a.username)
    phone, _ = enrol_app(b)
    enrol_email(b, mail, address, len(mail.messages(address)))
    assert b.is_primary("app") and not b.is_primary("email")
    b.click("primary-email")
    b.expect_status("Updated primary MFA method")
    b.wait(lambda d: b.is_primary("email") and not b.is_primary("app"), "email primary")
    # Regenerate the app's backup codes: a wrong code is refused with the API's message.
    b.fill("code-app", "000000")
    b.click("regenerate-app")
    b.expect_status("Invalid code")
    b.fill("code-app", phone.next_code())
    b.click("regenerate-app")
    b.expect_status("New backup codes for authenticator app")
    new_codes = [li.text for li in b.el("backup-codes").find_elements(By.TAG_NAME, "li")]
    assert len(new_codes) == 5, new_codes
    assert "5 backup codes left" in b.row_text("app"), b.row_text("app")
    b.click("hide-codes")
    # Deactivate the app method with a TOTP code.
    b.fill("code-app", phone.next_code())
    b.click("deactivate-app")
    b.expect_status("Deactivated MFA method")
    assert "not confirmed or deactivated" in b.row_text("app"), b.row_text("app")
    # Delete the email method with a mailed code.
    sent = len(mail.messages(address))
    b.click("send-email")
    b.expect_status("MFA code sent")
    b.fill("code-email", mail.code(address, sent + 1))
    b.click("delete-email")
    b.expect_status("Email deleted.")
    b.wait(lambda d: "not set up" in d.find_element(By.CSS_SELECTOR, "tr[data-method=email]").text, "email gone")
    # The deactivated app method is deleted without a code; then no MFA: the password alone signs in.
    b.click("delete-app")
    b.expect_status("Authenticator app deleted.")
    log_out(b)
    sign_in_without_mfa(b, a.username)


def scenario_passkey(b, a):
    """Passkey as second factor and passwordless, with Chromium's virtual authenticator."""
    options = VirtualAuthenticatorOptions(protocol=Protocol.CTAP2, transport=Transport.INTERNAL,
                                          has_resident_key=True, has_user_verification=True,
                                          is_user_consenting=True, is_user_verified=True)
    b.driver.add_virtual_authenticator(options)
    sign_in_without_mfa(b, a.username)
    b.el("passkeys")
    b.click("add-webauthn")
    b.expect_status("Activated MFA method")
    assert b.is_primary("webauthn"), b.row_text("webauthn")
    b.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#passkey-list tr")) == 1, "one passkey listed")
    # The same authenticator again is refused by the browser (the key is in excludeCredentials).
    b.fill("passkey-name", "Again")
    b.click("add-passkey")
    b.expect_status("This authenticator is already registered for your account.")
    # A second authenticator (another device) adds a second key.
    b.driver.remove_virtual_authenticator()
    b.driver.add_virtual_authenticator(options)
    b.fill("passkey-name", "Laptop")
    b.click("add-passkey")
    b.expect_status("Passkey “Laptop” added.")
    rows = b.driver.find_elements(By.CSS_SELECTOR, "#passkey-list tr")
    assert len(rows) == 2, [r.text for r in rows]
    newest = rows[0].get_attribute("data-passkey")
    b.fill(f"passkey-name-{newest}", "Work laptop")
    b.click(f"rename-passkey-{newest}")
    b.expect_status("Credential renamed.")
    assert b.driver.find_element(By.ID, f"passkey-name-{newest}").get_attribute("value") == "Work laptop"
    log_out(b)
    # Password, then the passkey as second factor.
    sign_in_password(b, a.username)
    second_step(b, "passkey")
    b.click("passkey-mfa")
    b.expect_path("/account.html")
    b.wait(lambda d: b.text("whoami") == a.username, "the account page")
    log_out(b)
    # No password: a discoverable passkey with user verification is a complete sign-in.
    b.click("passkey-signin")
    b.expect_path("/account.html")
    b.wait(lambda d: b.text("whoami") == a.username, "the account page")


class _Pages(http.server.BaseHTTPRequestHandler):
    """A page of another origin: a form posting to the API, and an empty page for fetch()."""
    api = ""

    def do_GET(self):
        if self.path.startswith("/csrf"):
            body = (f'<!doctype html><form method="post" action="{self.api}mfa/">'
                    '<input type="hidden" name="method" value="app">'
                    '<button id="go" type="submit">Post</button></form>')
        else:
            body = "<!doctype html><title>other origin</title><p>other origin</p>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def serve_pages(port, api):
    handler = type("Pages", (_Pages,), {"api": api})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


FETCH = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], { credentials: "include", headers: { Accept: "application/json" } })
  .then(async (r) => done({ status: r.status, text: await r.text() }))
  .catch((e) => done({ error: String(e) }));
"""


def scenario_cross_origin(b, a):
    """CSRF: a form on another origin posting with the cookies gets the API's 403.
    CORS: a page on the listed origin reads an answer with credentials; an unlisted one cannot."""
    api = b.base + "/api/auth/"
    listed, listed_port = serve_pages(a.cors_port, api)
    other, other_port = serve_pages(0, api)
    try:
        sign_in_without_mfa(b, a.username)
        # Same-site (localhost), other origin: the Lax cookies go along with the form's POST.
        b.driver.get(f"http://localhost:{other_port}/csrf.html")
        b.click("go")
        expected = ('{"detail":"CSRF Failed: Origin checking failed - '
                    f'http://localhost:{other_port} does not match any trusted origins."}}')
        b.wait(lambda d: expected in d.find_element(By.TAG_NAME, "body").text, "the 403 answer")
        # Nothing was created.
        b.open("/account.html")
        b.wait(lambda d: "not set up" in d.find_element(By.CSS_SELECTOR, "tr[data-method=app]").text, "no app")
        # CORS: the listed origin reads the user; the unlisted one's fetch is refused by the browser.
        b.driver.get(f"http://localhost:{listed_port}/")
        answer = b.driver.execute_async_script(FETCH, api + "user/")
        assert answer.get("status") == 200 and f'"username":"{a.username}"' in answer.get("text", ""), answer
        b.driver.get(f"http://localhost:{other_port}/")
        answer = b.driver.execute_async_script(FETCH, api + "user/")
        assert "error" in answer, answer
    finally:
        listed.shutdown()
        other.shutdown()


def scenario_signup(b, a):
    """Sign up, confirm the address from the mailed link, reset the password, sign in."""
    mail = Mailbox(a.mail_dir)
    address = a.email or f"{a.username}@example.com"
    b.open("/signup.html")
    b.fill("username", a.username)
    b.fill("email", address)
    b.fill("password1", "short")
    b.fill("password2", "short")
    b.click("signup-submit")
    b.expect_status("password1: This password is too short. It must contain at least 8 characters.")
    new_password = "Corr3ct-Horse-Battery"
    b.fill("password1", new_password)
    b.fill("password2", new_password)
    b.click("signup-submit")
    b.expect_status("Successfully registered.")
    link = mail.link(address, 1)
    b.driver.get(link)
    b.click("verify-email-submit")
    b.expect_status("Your email address is confirmed.")
    b.open("/forgot.html")
    b.fill("email", address)
    b.click("forgot-submit")
    b.expect_status("Password reset e-mail has been sent.")
    b.driver.get(mail.link(address, 2))
    newer = "An0ther-Long-Passphrase"
    b.fill("new_password1", newer)
    b.fill("new_password2", newer)
    b.click("reset-submit")
    b.expect_status("Password has been reset with the new password.")
    sign_in_password(b, a.username, newer)
    b.expect_path("/account.html")


def scenario_no_passkeys(b, a):
    """A stack without webauthn: no passkey sign-in button, no passkey section or method; and
    the access cookie's expiry is handled by one token refresh."""
    b.open("/")
    b.el("login-form")
    time.sleep(0.5)  # the route probe has answered
    assert not b.driver.find_element(By.ID, "passkey-signin-box").is_displayed()
    sign_in_without_mfa(b, a.username)
    b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-method=app]"), "the methods")
    assert not d_has(b, "tr[data-method=webauthn]")
    assert not b.driver.find_element(By.ID, "passkeys").is_displayed()
    # This stack's access cookie lives 2 s: after it is gone, api.js refreshes it and repeats the call.
    time.sleep(3)
    b.click("add-app")
    b.wait(lambda d: re.fullmatch(r"[A-Z2-7]{32}", b.text("setup-secret")), "the app set-up after a refresh")


def d_has(b, selector):
    return bool(b.driver.find_elements(By.CSS_SELECTOR, selector))


SCENARIOS = {
    "no-passkeys": scenario_no_passkeys,
    "totp": scenario_totp, "backup": scenario_backup, "email": scenario_email, "manage": scenario_manage,
    "passkey": scenario_passkey, "cross-origin": scenario_cross_origin, "signup": scenario_signup,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--mail-dir", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--email")
    parser.add_argument("--cors-port", type=int, default=0)
    parser.add_argument("--doc-screenshots")
    a = parser.parse_args()
    os.makedirs(a.screenshots, exist_ok=True)
    started = time.time()
    b = Browser(a.base_url)
    try:
        SCENARIOS[a.scenario](b, a)
    except Exception:  # noqa: BLE001 - report anything, with a screenshot
        traceback.print_exc(file=sys.stdout)
        shot = os.path.join(a.screenshots, f"{a.scenario}-failure.png")
        try:
            b.driver.save_screenshot(shot)
            print(f"SCREENSHOT {shot}")
        except WebDriverException as e:
            print(f"no screenshot: {e}")
        print(f"URL {b.driver.current_url}")
        print(f"STATUS {b.status()!r}")
        for line in b.console():
            print(f"CONSOLE {line}")
        print(f"FAIL {a.scenario} after {time.time() - started:.1f}s")
        return 1
    finally:
        b.quit()
    print(f"PASS {a.scenario} in {time.time() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
